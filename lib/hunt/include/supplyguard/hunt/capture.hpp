#pragma once
// Packet sources: pcap/pcapng files (several per run), a FILE* (for the fuzzer) and live
// interfaces, all through libpcap. Each packet is decoded, DNS is read for names, and the flow
// table turns packets into connection records for the sink.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>

#include "supplyguard/hunt/flow.hpp"

namespace sg::hunt {

struct CaptureStats {
  std::uint64_t packets = 0;
  std::uint64_t wire_bytes = 0;     // captured bytes handed to the decoder
  std::uint64_t not_ip = 0;         // ARP, LLDP, ...: counted, skipped
  std::uint64_t undecodable = 0;    // truncated by the snap length or malformed headers
  // pcapng packets on an interface whose link type we do not decode (other interfaces of the
  // same file are read); a file with nothing else is refused with the interface's offset.
  std::uint64_t unsupported_link = 0;
  // Packets whose capture timestamp is out of range (before 1970, after 9999, or a sub-second
  // field of a second or more): a broken sensor clock or a corrupt/hostile file. Such a packet
  // is kept (its bytes count) at the last good time instead of a wrapped value.
  std::uint64_t bad_timestamps = 0;
  // Packets stamped more than kBackwardsTolerance before the latest time already seen in this
  // source (a clock stepped back, or a spliced capture): kept at the latest time, so no flow
  // spans the jump ("open for 596088 h" came from one such packet).
  std::uint64_t backwards_timestamps = 0;
  Micros last_good_ts = 0;
  Micros latest_ts = 0;
};

// Reordering within this window is normal (multi-queue NICs, merged interfaces); beyond it a
// timestamp going backwards is treated as a clock step.
inline constexpr Micros kBackwardsTolerance = 60'000'000;

// Seconds + sub-second parts as a capture stores them -> microseconds, or nullopt when out of
// range (checked before multiplying: 2^63 us is only ~292 000 years, a 32/64-bit seconds field
// from a corrupt file overflows it).
std::optional<Micros> capture_time(std::int64_t sec, std::int64_t usec);

// decode -> DNS -> flow table. Owns the flow table; call finish() once after the last source.
class PacketProcessor {
 public:
  PacketProcessor(FlowConfig cfg, RecordSink& sink) : flows_(cfg, sink), sink_(sink) {}
  void packet(int dlt, const std::uint8_t* data, std::size_t caplen, Micros ts);
  // As read from a capture: the timestamp is validated first (see CaptureStats::bad_timestamps).
  void packet(int dlt, const std::uint8_t* data, std::size_t caplen, std::int64_t sec, std::int64_t usec) {
    if (auto ts = capture_time(sec, usec)) {
      Micros t = *ts;
      if (t + kBackwardsTolerance < stats_.latest_ts) {
        ++stats_.backwards_timestamps;
        t = stats_.latest_ts;
      }
      stats_.latest_ts = std::max(stats_.latest_ts, t);
      stats_.last_good_ts = t;
      packet(dlt, data, caplen, t);
    } else {
      ++stats_.bad_timestamps;
      packet(dlt, data, caplen, stats_.last_good_ts);
    }
  }
  void finish() { flows_.flush(); }
  void unsupported_link_packet() {
    ++stats_.packets;
    ++stats_.unsupported_link;
  }
  // A new file starts: its clock may legitimately start before the previous file's.
  void begin_source() { stats_.latest_ts = 0; }
  const CaptureStats& stats() const { return stats_; }
  const FlowTable& flows() const { return flows_; }

 private:
  void dns(const Packet& p, Micros ts);
  FlowTable flows_;
  RecordSink& sink_;
  CaptureStats stats_;
  DnsRecord dns_scratch_;
};

struct ReadProgress {
  std::string source;
  std::uint64_t bytes = 0, total_bytes = 0, packets = 0;
};
using ProgressFn = std::function<void(const ReadProgress&)>;

// Classic pcap and pcapng are parsed by our own chunked readers (large reads, no per-record
// copy: libpcap's per-record fread was ~40 % of the time; and libpcap refuses pcapng files whose
// interfaces differ in link type). Live capture goes through libpcap. `libpcap` forces libpcap
// for files too (tests compare the two paths).
enum class CaptureReader { automatic, libpcap };

// Reads one pcap or pcapng file. Throws core::InputError naming the file and byte offset for a
// file that is not a capture, an unsupported link type, or a truncated/corrupt record (packets
// before the break have already been processed).
void read_capture_file(const std::string& path, PacketProcessor& proc, const ProgressFn& progress = {},
                       CaptureReader reader = CaptureReader::automatic);
// Same, from an open stream (takes ownership; closed on return).
void read_capture_stream(std::FILE* f, const std::string& name, PacketProcessor& proc,
                         const ProgressFn& progress = {}, CaptureReader reader = CaptureReader::automatic);

// libpcap's own counters (pcap_stats): packets the kernel saw, dropped because the buffer was
// full, dropped by the interface/driver. Counted since the capture opened.
struct LiveStats {
  std::uint64_t received = 0, dropped = 0, if_dropped = 0;
  bool available = false;  // false when the platform could not say
};

// A live interface in non-blocking mode: poll() waits on libpcap's selectable descriptor with a
// timeout, so a quiet link never blocks the caller (stop, --duration and periodic reports all
// run on time) and a signal ends the wait at once.
class LiveCapture {
 public:
  // Throws core::InputError when the interface cannot be opened or the BPF filter does not compile.
  LiveCapture(const std::string& iface, const std::string& bpf);
  ~LiveCapture();
  LiveCapture(const LiveCapture&) = delete;
  LiveCapture& operator=(const LiveCapture&) = delete;
  // Waits at most timeout_ms for packets, then hands every packet ready to `proc`; returns how
  // many. Throws core::InputError when the capture fails (interface gone).
  std::size_t poll(PacketProcessor& proc, int timeout_ms);
  LiveStats stats() const;
  std::uint64_t packets() const { return packets_; }
  std::uint64_t bytes() const { return bytes_; }
  const std::string& name() const { return iface_; }

 private:
  std::string iface_;
  void* pcap_ = nullptr;  // pcap_t*
  int dlt_ = 0, fd_ = -1;
  std::uint64_t packets_ = 0, bytes_ = 0;
};

// Live capture until `stop` becomes true (checked at least every 200 ms, traffic or not).
// Throws core::InputError as LiveCapture does.
void capture_live(const std::string& iface, const std::string& bpf, PacketProcessor& proc,
                  const std::atomic<bool>& stop, const ProgressFn& progress = {});

}  // namespace sg::hunt
