#pragma once
// Packet sources: pcap/pcapng files (several per run), a FILE* (for the fuzzer) and live
// interfaces, all through libpcap. Each packet is decoded, DNS is read for names, and the flow
// table turns packets into connection records for the sink.
#include <atomic>
#include <cstdio>
#include <functional>
#include <string>

#include "supplyguard/hunt/flow.hpp"

namespace sg::hunt {

struct CaptureStats {
  std::uint64_t packets = 0;
  std::uint64_t wire_bytes = 0;     // captured bytes handed to the decoder
  std::uint64_t not_ip = 0;         // ARP, LLDP, ...: counted, skipped
  std::uint64_t undecodable = 0;    // truncated by the snap length or malformed headers
};

// decode -> DNS -> flow table. Owns the flow table; call finish() once after the last source.
class PacketProcessor {
 public:
  PacketProcessor(FlowConfig cfg, RecordSink& sink) : flows_(cfg, sink), sink_(sink) {}
  void packet(int dlt, const std::uint8_t* data, std::size_t caplen, Micros ts);
  void finish() { flows_.flush(); }
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

// Classic pcap is parsed by our own chunked reader (large reads, no per-record copy: libpcap's
// per-record fread was ~40 % of the time); pcapng and live capture go through libpcap.
// `libpcap` forces libpcap for classic pcap too (tests compare the two paths).
enum class CaptureReader { automatic, libpcap };

// Reads one pcap or pcapng file. Throws core::InputError naming the file and byte offset for a
// file that is not a capture, an unsupported link type, or a truncated/corrupt record (packets
// before the break have already been processed).
void read_capture_file(const std::string& path, PacketProcessor& proc, const ProgressFn& progress = {},
                       CaptureReader reader = CaptureReader::automatic);
// Same, from an open stream (takes ownership; closed on return).
void read_capture_stream(std::FILE* f, const std::string& name, PacketProcessor& proc,
                         const ProgressFn& progress = {}, CaptureReader reader = CaptureReader::automatic);

// Live capture until `stop` becomes true (poll granularity ~0.5 s). Throws core::InputError when
// the interface cannot be opened or the BPF filter does not compile.
void capture_live(const std::string& iface, const std::string& bpf, PacketProcessor& proc,
                  const std::atomic<bool>& stop, const ProgressFn& progress = {});

}  // namespace sg::hunt
