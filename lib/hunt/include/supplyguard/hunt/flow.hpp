#pragma once
// Flow table: turns packets into connection records, the way Zeek's conn.log does.
//
// Bounded memory: at most `max_flows` live flows (a slab reserved up front, plus an
// open-addressing index that doubles with the live count up to twice the cap, so a small
// capture never pays for a 4 MB table). Flows end on TCP RST / FIN both ways (after a short
// linger), or when idle longer than their protocol's timeout; an ended flow leaves the index by
// backward-shift deletion, so sweeps never rebuild or clear it. At the cap, idle flows are swept
// first; if the table is still full, the oldest eighth (by last packet) is ended early and
// emitted as records, so the run goes on with its memory unchanged; the count is reported as
// `forced_evictions`. The per-packet path allocates only when the index doubles.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "supplyguard/hunt/decode.hpp"
#include "supplyguard/hunt/records.hpp"

namespace sg::hunt {

struct FlowConfig {
  std::size_t max_flows = 1 << 19;
  Micros tcp_idle = 300'000'000;   // Zeek's tcp_inactivity_timeout is 5 min
  Micros udp_idle = 60'000'000;    // and 1 min for UDP and ICMP
  Micros other_idle = 60'000'000;
  Micros closed_linger = 5'000'000;
  Micros sweep_every = 10'000'000;
  // Naming flows from their first client bytes (TLS ClientHello, HTTP request head, DNS over
  // TCP; src/flow_names.hpp). Bounded: at most `max_named_flows` flows hold names or a buffer
  // at once, each buffer at most `name_buffer_bytes` and `name_segments` segments per
  // direction, all buffers together at most `name_buffer_total`. Beyond a bound a flow goes
  // unnamed and PayloadStats counts it.
  bool names = true;
  std::size_t max_named_flows = 1 << 17;
  std::size_t name_buffer_bytes = 16384;
  std::size_t name_buffer_total = std::size_t(32) << 20;
  unsigned name_segments = 4;
};

// What flow naming read and what it could not (every parse error is counted, never fatal).
struct PayloadStats {
  std::uint64_t tls_hellos = 0, tls_split = 0;   // parsed; of those, spread over 2+ segments
  std::uint64_t tls_errors = 0;                  // malformed hellos
  std::uint64_t http_requests = 0, http_errors = 0;
  std::uint64_t dns_tcp_messages = 0, dns_tcp_errors = 0;
  std::uint64_t gave_up = 0;          // segment/byte budget spent before the message ended
  std::uint64_t out_of_order = 0;     // a gap in the client's first bytes (no reassembly)
  std::uint64_t flows_untracked = 0;  // max_named_flows or name_buffer_total reached
  std::string last_error;             // the latest parse error, for --stats
};

struct FlowStats {
  std::uint64_t flows = 0;             // records emitted
  std::uint64_t forced_evictions = 0;  // flows ended early because the table was full
  std::uint64_t max_live = 0;
};

class FlowNamer;  // src/flow_names.hpp

class FlowTable {
 public:
  FlowTable(FlowConfig cfg, RecordSink& sink);
  ~FlowTable();
  void add(const Packet& p, Micros ts);
  // Ends every live flow (end of input) and emits its record.
  void flush();
  std::size_t live() const { return live_.size(); }
  const FlowStats& stats() const { return stats_; }
  const PayloadStats& payload_stats() const;

 private:
  struct Flow {
    IpAddr a, b;                  // canonical order: (a, pa) < (b, pb)
    std::uint16_t pa = 0, pb = 0;
    std::uint8_t proto = 0;
    bool orig_is_a = true;
    std::uint8_t fin_mask = 0;    // bit 0: orig sent FIN, bit 1: resp sent FIN
    bool closed = false;
    bool in_use = false;
    std::uint8_t naming = 0;      // FlowNamer state: 0 not looked at, 1/2 has an entry, 3 nothing to read
    Micros first = 0, last = 0;
    std::uint64_t bytes[2] = {0, 0};  // [orig, resp]
    std::uint32_t pkts[2] = {0, 0};
  };
  static constexpr std::uint32_t kEmpty = 0xffffffffu;
  static constexpr std::uint64_t kFreeSlot = ~std::uint64_t(0);

  std::uint32_t find_or_insert(const IpAddr& a, const IpAddr& b, std::uint16_t pa, std::uint16_t pb,
                               std::uint8_t proto, std::uint64_t h, bool& created);
  std::uint32_t allocate();
  void sweep(Micros now, bool force);
  void emit(const Flow& f);
  void grow_index();
  void unindex(std::uint32_t id);
  Micros idle_limit(const Flow& f) const;

  FlowConfig cfg_;
  RecordSink& sink_;
  std::vector<Flow> slab_;
  std::vector<std::uint32_t> free_;
  std::vector<std::uint32_t> live_;     // ids of flows in use
  // Open addressing, linear probing: the low 32 bits of the flow's hash above its slab id, or
  // kFreeSlot. The hash bits are a tag (a probe that meets another flow rarely touches the slab)
  // and give each entry's home slot, so deletion and growth never read the slab or hashes_.
  std::vector<std::uint64_t> index_;
  std::size_t max_index_ = 0;
  std::vector<std::uint64_t> hashes_;   // per slab id, for index rebuilds
  std::vector<std::pair<Micros, std::uint32_t>> scratch_;
  std::uint64_t mask_ = 0;
  Micros next_sweep_ = 0;
  bool swept_once_ = false;
  FlowStats stats_;
  std::unique_ptr<FlowNamer> namer_;  // null when FlowConfig::names is off
};

}  // namespace sg::hunt
