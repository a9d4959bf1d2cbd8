#pragma once
// Shared by the hunt tests: generate a scenario into a temp file and run it through the
// capture reader and analyzer, the same path the CLI takes.
#include <cstdio>
#include <string>
#include <unistd.h>
#include <vector>

#include "supplyguard/hunt/capture.hpp"
#include "supplyguard/hunt/hunt.hpp"
#include "supplyguard/gen/traffic.hpp"

namespace sg::hunt::test {

inline std::string temp_path(const std::string& suffix) {
  char tmpl[] = "/tmp/sg-hunt-XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd >= 0) close(fd);
  std::remove(tmpl);
  return std::string(tmpl) + suffix;
}

struct Generated {
  std::string path;
  ScenarioTruth truth;
  ~Generated() { std::remove(path.c_str()); }
};

inline void generate(const ScenarioConfig& cfg, Generated& g, const std::string& suffix = ".pcap") {
  g.path = temp_path(suffix);
  std::FILE* f = std::fopen(g.path.c_str(), "wb");
  g.truth = write_scenario(cfg, f);
  std::fclose(f);
}

inline HuntConfig mgmt_config() {
  HuntConfig cfg;
  cfg.mgmt.add(*parse_cidr("10.99.0.0/16"));
  cfg.internal.add(*parse_cidr("10.99.0.0/16"));
  return cfg;
}

inline std::vector<core::Finding> analyze_file(const std::string& path, HuntConfig cfg = mgmt_config()) {
  Analyzer a(std::move(cfg));
  PacketProcessor proc(FlowConfig{}, a);
  read_capture_file(path, proc);
  proc.finish();
  return a.findings();
}

// A sink that keeps every record the flow table and DNS reader emit.
struct Recorder : RecordSink {
  std::vector<ConnRecord> conns;
  std::vector<DnsRecord> dns;
  void on_conn(const ConnRecord& c) override { conns.push_back(c); }
  void on_dns(const DnsRecord& d) override { dns.push_back(d); }
  std::uint64_t payload() const {
    std::uint64_t n = 0;
    for (const auto& c : conns) n += c.orig_bytes + c.resp_bytes;
    return n;
  }
};

}  // namespace sg::hunt::test
