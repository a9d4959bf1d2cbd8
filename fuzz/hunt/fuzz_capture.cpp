// Any byte string fed as a capture file (pcap or pcapng, via fmemopen: our classic-pcap reader and
// libpcap's pcap_fopen_offline) must be
// read, decoded, assembled into flows and analysed, or raise InputError: never crash or hang.
#include <cstdint>
#include <cstdio>
#include <vector>

#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/capture.hpp"
#include "supplyguard/hunt/hunt.hpp"

static void run(const uint8_t* data, size_t size, sg::hunt::CaptureReader reader) {
  std::vector<uint8_t> copy(data, data + size);
  std::FILE* f = fmemopen(copy.data(), copy.size(), "rb");
  if (!f) return;
  sg::hunt::HuntConfig cfg;
  cfg.mgmt.add(*sg::hunt::parse_cidr("10.99.0.0/16"));
  cfg.beacon.min_callbacks = 3;
  cfg.dns_tunnel_min_unique = 1;
  sg::hunt::Analyzer analyzer(cfg);
  sg::hunt::FlowConfig fc;
  fc.max_flows = 64;  // small: exercises the cap path too
  sg::hunt::PacketProcessor proc(fc, analyzer);
  try {
    sg::hunt::read_capture_stream(f, "fuzz.pcap", proc, {}, reader);
  } catch (const sg::core::InputError&) {
  }
  proc.finish();
  for (const auto& finding : analyzer.findings()) (void)sg::core::to_json_line(finding);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;  // fmemopen rejects empty buffers
  // Both classic-pcap paths (ours and libpcap's); pcapng always goes through libpcap.
  run(data, size, sg::hunt::CaptureReader::automatic);
  run(data, size, sg::hunt::CaptureReader::libpcap);
  return 0;
}
