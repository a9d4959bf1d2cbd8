// The request side of the dashboard on its own: what a client sends (path segments, query
// strings for /api/findings and /api/hosts, Authorization and Cookie headers) and --listen text,
// checked against the same invariants as fuzz_fleet_web (request_checks.hpp), over a fixed fleet built once.
// fuzz_fleet_web also puts the input into a fleet view and renders three whole pages from it
// (dashboard, host page, report), which is most of its time; it stays as it is.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"
#include "request_checks.hpp"
#include "web/view_index.hpp"

namespace {

using namespace sg;

using fuzz::check;

fleet::FleetView fixed_view() {
  fleet::FleetView v;
  v.hosts.push_back({"web-01", "M1", "B1", {"10.0.0.1"}});
  v.hosts.push_back({"db-01", "M2", "B2", {"10.0.0.2"}});
  core::Finding f;
  f.plane = core::Plane::hunt;
  f.type = "beacon";
  f.severity = core::Severity::high;
  f.host = "db-01";
  f.subject = "10.0.0.2 -> 203.0.113.9:443";
  f.summary = "periodic callbacks";
  f.first_seen = 1'795'132'800'000'000LL;
  f.fields["hosts"] = {"db-01", "web-01"};
  f.fields["model"] = "M2";
  v.findings.push_back({f.id(), "db-01", f});
  v.verdicts.push_back({"db-01", "M2", "B2", fleet::Verdict::suspect, core::Severity::high, 1, {f.id()}, "beacon"});
  v.verdicts.push_back({"web-01", "M1", "B1", fleet::Verdict::clean, std::nullopt, 0, {}, "no findings"});
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const fleet::FleetView view = fixed_view();
  static const fleet::web::ViewIndex index(view);
  const std::string text(reinterpret_cast<const char*>(data), size);

  const fleet::web::Params params = fuzz::check_request(text);
  const auto found = fleet::web::api_findings(index, params);
  check(found.status == 200 || found.status == 400);
  const auto hosts = fleet::web::api_hosts(index, params);
  check(hosts.status == 200 || hosts.status == 400);
  const auto host = fleet::web::api_host(index, text);
  check(host.status == (text == "web-01" || text == "db-01" ? 200 : 404));
  return 0;
}
