// Writes the flow-dense enterprise-edge capture for bench/hunt/run.sh (issue 10 §5): by default
// 130 000 lookups -> ~1.17 M packets, ~260 k flows, ~260 k DNS records, ~155 MB. A bench tool,
// not shipping code; the scenario itself is lib/gen's write_edge_capture (tests use it too).
//   gen_edge OUT.pcap [LOOKUPS]
#include <cstdio>
#include <cstdlib>
#include <exception>

#include "supplyguard/gen/edge.hpp"

int main(int argc, char** argv) {
  // An option-looking first argument is a user asking for help, not a file to create.
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: gen_edge OUT.pcap [LOOKUPS]   (default 130000 lookups, ~155 MB)\n");
    return 2;
  }
  sg::hunt::EdgeConfig cfg;
  if (argc > 2) cfg.lookups = std::uint32_t(std::strtoul(argv[2], nullptr, 10));
  std::FILE* f = std::fopen(argv[1], "wb");
  if (!f) { std::perror(argv[1]); return 1; }
  try {
    const auto t = sg::hunt::write_edge_capture(cfg, f);
    std::fclose(f);
    std::printf("edge capture: %llu packets, %llu flows, %llu DNS messages, %llu bytes of frames, %zu plants\n",
                (unsigned long long)t.packets, (unsigned long long)t.flows, (unsigned long long)t.dns_messages,
                (unsigned long long)t.bytes, t.plants.size());
  } catch (const std::exception& e) {
    std::fclose(f);
    std::fprintf(stderr, "gen_edge: %s\n", e.what());
    return 1;
  }
  return 0;
}
