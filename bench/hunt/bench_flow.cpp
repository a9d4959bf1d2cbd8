// Flow assembly throughput per core: a generated dense capture is loaded into memory once,
// then every iteration pushes all its packets through PacketProcessor -> Analyzer.
#include <benchmark/benchmark.h>
#include <pcap/pcap.h>

#include <cstdio>
#include <string>
#include <vector>

#include "supplyguard/hunt/capture.hpp"
#include "supplyguard/hunt/hunt.hpp"
#include "supplyguard/gen/traffic.hpp"

namespace {

struct Loaded {
  int dlt = 1;
  std::vector<std::uint8_t> bytes;
  struct Rec { std::size_t off; std::uint32_t len; sg::core::Micros ts; };
  std::vector<Rec> recs;
};

const Loaded& capture() {
  static Loaded l = [] {
    Loaded out;
    const std::string path = "/tmp/sg-bench-flow.pcap";
    sg::hunt::ScenarioConfig cfg;
    cfg.seed = 1;
    cfg.hosts = 20;
    cfg.hours = 0.03;
    cfg.dense = true;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    sg::hunt::write_scenario(cfg, f);
    std::fclose(f);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(path.c_str(), err);
    out.dlt = pcap_datalink(p);
    pcap_pkthdr* h;
    const u_char* d;
    while (pcap_next_ex(p, &h, &d) == 1) {
      out.recs.push_back({out.bytes.size(), h->caplen, sg::core::Micros(h->ts.tv_sec) * 1000000 + h->ts.tv_usec});
      out.bytes.insert(out.bytes.end(), d, d + h->caplen);
    }
    pcap_close(p);
    std::remove(path.c_str());
    return out;
  }();
  return l;
}

void BM_FlowAssembly(benchmark::State& state) {
  const Loaded& cap = capture();
  for (auto _ : state) {
    sg::hunt::Analyzer analyzer(sg::hunt::HuntConfig{});
    sg::hunt::PacketProcessor proc(sg::hunt::FlowConfig{}, analyzer);
    for (const auto& r : cap.recs) proc.packet(cap.dlt, cap.bytes.data() + r.off, r.len, r.ts);
    proc.finish();
    benchmark::DoNotOptimize(analyzer.stats().conns);
  }
  state.SetBytesProcessed(std::int64_t(state.iterations()) * std::int64_t(cap.bytes.size()));
  state.SetItemsProcessed(std::int64_t(state.iterations()) * std::int64_t(cap.recs.size()));
}
BENCHMARK(BM_FlowAssembly)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace

BENCHMARK_MAIN();
