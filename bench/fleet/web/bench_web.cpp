// Report and dashboard rendering at fleet scale: a synthetic view of H hosts with F findings
// (spread over 3 days, all severities, one correlation per 50 hosts), timed for the report, the
// dashboard page, /api/hosts, one host page and /api/findings filters. Prints the median of 5.
// Usage: bench_fleet_web [HOSTS=10000] [FINDINGS=200000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <vector>

#include "supplyguard/fleet/fleet.hpp"
#include "web/api.hpp"
#include "web/pages.hpp"
#include "web/view_index.hpp"

using namespace sg;

namespace {

fleet::FleetView make_view(std::size_t hosts, std::size_t findings) {
  fleet::FleetView v;
  const core::Micros t0 = 1'795'132'800'000'000LL;
  for (std::size_t h = 0; h < hosts; ++h) {
    const std::string name = "host-" + std::to_string(h), model = h % 2 ? "A" : "B";
    v.hosts.push_back({name, model, model + "-" + std::to_string(h % 7), {"10.0." + std::to_string(h / 250) + "." +
                                                                          std::to_string(h % 250)}});
  }
  for (std::size_t i = 0; i < findings; ++i) {
    core::Finding f;
    f.plane = i % 3 ? core::Plane::hunt : core::Plane::attest;
    f.type = i % 3 ? "beacon" : "component_added";
    f.severity = static_cast<core::Severity>(i % 5);
    f.score = 0.5;
    f.host = "host-" + std::to_string((i * 7919) % hosts);
    f.subject = "10.0.0.1 -> 203.0.113." + std::to_string(i % 250) + ":443/tcp";
    f.summary = "calls 203.0.113." + std::to_string(i % 250) + ":443 every 60 s <&> \"quoted\"";
    f.first_seen = t0 + static_cast<core::Micros>(i % 259200) * 1'000'000LL;
    f.last_seen = *f.first_seen + 3'600'000'000LL;
    v.findings.push_back({f.id(), f.host, f});
  }
  for (std::size_t h = 0; h + 50 <= hosts; h += 50) {
    core::Finding c;
    c.plane = core::Plane::fleet;
    c.type = "shared_destination";
    c.severity = core::Severity::critical;
    c.subject = "203.0.113.66";
    c.fields["model"] = "A";
    std::vector<std::string> names;
    for (std::size_t k = h; k < h + 50; k += 2) names.push_back("host-" + std::to_string(k + 1));
    c.fields["hosts"] = names;
    v.correlations.push_back(c);
  }
  for (std::size_t h = 0; h < hosts; ++h)
    v.verdicts.push_back({"host-" + std::to_string(h), h % 2 ? "A" : "B", "", fleet::Verdict::suspect,
                          core::Severity::high, findings / hosts, {}, "some findings"});
  return v;
}

double median_ms(const std::function<std::size_t()>& fn, std::size_t& bytes) {
  std::vector<double> t;
  for (int r = 0; r < 5; ++r) {
    const auto a = std::chrono::steady_clock::now();
    bytes = fn();
    t.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[2];
}

}  // namespace

int main(int argc, char** argv) {
  const std::size_t hosts = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 10000;
  const std::size_t findings = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 200000;
  const auto view = make_view(hosts, findings);
  std::printf("fleet web: %zu hosts, %zu findings, %zu correlations (median of 5)\n", hosts, findings,
              view.correlations.size());
  std::size_t bytes = 0;
  const auto row = [&](const char* what, const std::function<std::size_t()>& fn) {
    const double ms = median_ms(fn, bytes);
    std::printf("  %-34s %9.1f ms  %10zu bytes\n", what, ms, bytes);
  };
  row("render_report_html", [&] { return fleet::render_report_html(view).size(); });
  row("index (per dashboard snapshot)", [&] { return fleet::web::ViewIndex(view).hosts().size(); });
  const fleet::web::ViewIndex index(view);
  row("dashboard page /", [&] { return fleet::web::dashboard_page(index).size(); });
  row("/api/hosts", [&] { return fleet::web::api_hosts(index).body.size(); });
  row("/host/host-1", [&] { return fleet::web::host_page(index, "host-1").size(); });
  row("/api/findings?min_severity=critical", [&] {
    return fleet::web::api_findings(index, {{"min_severity", "critical"}}).body.size();
  });
  row("/api/findings?model=A&limit=100000", [&] {
    return fleet::web::api_findings(index, {{"model", "A"}, {"limit", "100000"}}).body.size();
  });
  return 0;
}
