#include "fixture_view.hpp"

#include <algorithm>
#include <cstdio>

namespace sg::fleet::testing {
namespace {

using core::Severity;
constexpr core::Micros kT0 = 1'795'132'800'000'000LL;  // 2026-11-20T00:00:00Z
constexpr core::Micros kHour = 3'600'000'000LL;

StoredFinding make(const std::string& host, core::Plane plane, std::string type, Severity sev, double score,
                   std::string subject, std::string summary, core::Micros first, core::Micros last) {
  core::Finding f;
  f.plane = plane;
  f.type = std::move(type);
  f.severity = sev;
  f.score = score;
  f.host = host;
  f.subject = std::move(subject);
  f.summary = std::move(summary);
  f.first_seen = first;
  f.last_seen = last;
  return {f.id(), host, f};
}

std::string two(int i) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d", i);
  return buf;
}

}  // namespace

FleetView fixture_view() {
  FleetView v;
  std::vector<std::string> implanted;
  // Model SMX-2200, batch B17: 8 hosts, 6 carry the implant (beacon + added component).
  for (int i = 1; i <= 8; ++i) {
    const std::string host = "smx-b17-" + two(i), bmc = "10.20.17." + std::to_string(100 + i);
    v.hosts.push_back({host, "SMX-2200", "B17", {"10.10.17." + std::to_string(i), bmc}});
    if (i <= 6) {
      implanted.push_back(host);
      auto beacon = make(host, core::Plane::hunt, "beacon", Severity::high, 0.91, bmc + " -> " + kC2 + ":443/tcp",
                         bmc + " calls " + kC2 + ":443 every 300 s", kT0 + i * kHour, kT0 + (40 + i) * kHour);
      beacon.finding.fields["src"] = bmc;
      beacon.finding.fields["dst"] = kC2;
      beacon.finding.fields["dst_port"] = 443;
      beacon.id = beacon.finding.id();
      v.findings.push_back(beacon);
      v.findings.push_back(make(host, core::Plane::attest, "component_added", Severity::critical, 0.97,
                                "pci 0000:00:1f.7", "PCI device 8086:0f1c not in the SMX-2200 baseline",
                                kT0 + (24 + i) * kHour, kT0 + (24 + i) * kHour));
    } else {
      v.findings.push_back(make(host, core::Plane::hunt, "long_connection", Severity::low, 0.31,
                                "10.10.17." + std::to_string(i) + " -> 10.0.0.5:22/tcp",
                                "an ssh session open for 5 h", kT0 + 30 * kHour, kT0 + 35 * kHour));
    }
  }
  // Model SMX-2200, batch B18: clean.
  for (int i = 1; i <= 4; ++i)
    v.hosts.push_back({"smx-b18-" + two(i), "SMX-2200", "B18", {"10.10.18." + std::to_string(i)}});
  // Model R740x: clean, one suspect host.
  for (int i = 1; i <= 5; ++i)
    v.hosts.push_back({"r740-" + two(i), "R740x", "R-2025-03", {"10.30.0." + std::to_string(i)}});
  v.findings.push_back(make("r740-03", core::Plane::inspect, "part_extra", Severity::medium, 0.62,
                            "board region 412,88 18x9", "a part near the BMC flash not in the golden board",
                            kT0 + 50 * kHour, kT0 + 50 * kHour));
  // Hostile inventory and findings.
  v.hosts.push_back({kHostileHost, kHostileModel, "B<1>&'\"", {"10.66.0.1"}});
  v.findings.push_back(make(kHostileHost, core::Plane::hunt, "a\"b'c<d>", Severity::medium, 0.5, kHostileSubject,
                            kHostileSummary, kT0 + 60 * kHour, kT0 + 61 * kHour));
  v.findings.push_back(make(kHostileHost, core::Plane::attest, "firmware_changed", Severity::low, 0.2,
                            "bios \xff\xfe invalid utf-8 \x01 control", "<a href=\"javascript:alert(5)\">click</a>",
                            kT0 + 62 * kHour, kT0 + 62 * kHour));
  v.hosts.push_back({kTraversalHost, "R740x", "R-2025-03", {"10.30.0.99"}});
  // An address nobody owns stays its own host.
  v.findings.push_back(make("10.99.0.7", core::Plane::hunt, "mgmt_egress", Severity::medium, 0.55,
                            "10.99.0.7 -> 198.51.100.20:8443/tcp", "unknown address reaches the internet",
                            kT0 + 20 * kHour, kT0 + 22 * kHour));

  // Correlations (plane fleet).
  core::Finding dest;
  dest.plane = core::Plane::fleet;
  dest.type = "shared_destination";
  dest.severity = Severity::critical;
  dest.score = 0.99;
  dest.subject = std::string(kC2) + ":443/tcp";
  dest.summary = "6 hosts of model SMX-2200 beacon to " + std::string(kC2);
  dest.first_seen = kT0 + kHour;
  dest.last_seen = kT0 + 46 * kHour;
  dest.fields["model"] = "SMX-2200";
  dest.fields["hosts"] = implanted;
  core::Finding comp = dest;
  comp.type = "shared_component_change";
  comp.subject = "pci 8086:0f1c";
  comp.summary = "6 hosts of model SMX-2200 batch B17 gained PCI device 8086:0f1c";
  comp.fields["batch"] = "B17";
  comp.first_seen = kT0 + 25 * kHour;
  comp.last_seen = kT0 + 30 * kHour;
  core::Finding odd = dest;  // hostile text in a correlation, naming a host no one knows
  odd.type = "shared_destination";
  odd.severity = Severity::medium;
  odd.subject = kHostileSubject;
  odd.summary = kHostileSummary;
  odd.fields = core::Json::object();
  odd.fields["model"] = kHostileModel;
  odd.fields["hosts"] = {kHostileHost, "<b>ghost</b>"};
  for (const auto& c : {dest, comp, odd}) {
    v.correlations.push_back(c);
    v.findings.push_back({c.id(), "", c});
  }

  // Verdicts, worst first, as the store ranks them.
  auto reasons_of = [&v](const std::string& host) {
    std::vector<std::string> r;
    for (const auto& f : v.findings)
      if (f.host == host) r.push_back(f.id);
    return r;
  };
  for (const auto& host : implanted) {
    auto r = reasons_of(host);
    r.push_back(v.correlations[0].id());
    v.verdicts.push_back({host, "SMX-2200", "B17", Verdict::compromised, Severity::critical, 2, r,
                          "beacons to " + std::string(kC2) + " like 5 other SMX-2200 hosts, and gained a PCI device"});
  }
  v.verdicts.push_back({kHostileHost, kHostileModel, "B<1>&'\"", Verdict::suspect, Severity::medium, 2,
                        reasons_of(kHostileHost), kHostileSummary});
  v.verdicts.push_back({"r740-03", "R740x", "R-2025-03", Verdict::suspect, Severity::medium, 1,
                        reasons_of("r740-03"), "board image shows a part not in the golden board"});
  v.verdicts.push_back({"10.99.0.7", "", "", Verdict::suspect, Severity::medium, 1, reasons_of("10.99.0.7"),
                        "an address no inventory owns reaches the internet"});
  for (const auto& h : v.hosts) {
    const bool done = std::any_of(v.verdicts.begin(), v.verdicts.end(), [&](auto& x) { return x.host == h.host; });
    if (done) continue;
    const auto r = reasons_of(h.host);
    std::optional<Severity> worst;
    if (!r.empty()) worst = Severity::low;
    v.verdicts.push_back({h.host, h.model, h.batch, Verdict::clean, worst, r.size(), {},
                          r.empty() ? "no findings" : "only low-severity findings"});
  }
  return v;
}

}  // namespace sg::fleet::testing
