// Fuzz target for what the dashboard takes from outside: request paths (host names), query
// strings (/api/findings), Authorization and Cookie headers, --listen text, and data strings that
// end up in pages. Checks the invariants, not just "no crash": escaped text holds no markup
// character, encoded path segments only unreserved bytes and %XX, pages exactly our one script.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"
#include "request_checks.hpp"
#include "web/pages.hpp"
#include "web/view_index.hpp"

namespace {

using namespace sg;

using fuzz::check;

std::size_t count(const std::string& hay, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + needle.size())) ++n;
  return n;
}

// A two-host fleet whose second host's name, model and finding texts are the fuzz input.
fleet::FleetView view_with(const std::string& text) {
  fleet::FleetView v;
  v.hosts.push_back({"web-01", "M1", "B1", {"10.0.0.1"}});
  v.hosts.push_back({text, text, text, {text}});
  core::Finding f;
  f.plane = core::Plane::hunt;
  f.type = text;
  f.severity = core::Severity::high;
  f.host = text;
  f.subject = text;
  f.summary = text;
  f.first_seen = 1'795'132'800'000'000LL;
  f.fields["hosts"] = {text, "web-01"};
  f.fields["model"] = text;
  v.findings.push_back({f.id(), text, f});
  core::Finding c = f;
  c.plane = core::Plane::fleet;
  v.correlations.push_back(c);
  v.verdicts.push_back({text, text, text, fleet::Verdict::suspect, core::Severity::high, 1, {f.id()}, text});
  v.verdicts.push_back({"web-01", "M1", "B1", fleet::Verdict::clean, std::nullopt, 0, {}, "no findings"});
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  const fleet::web::Params params = fuzz::check_request(text);
  const fleet::FleetView view = view_with(text);
  const fleet::web::ViewIndex index(view);
  const auto found = fleet::web::api_findings(index, params);
  check(found.status == 200 || found.status == 400);
  check(!fleet::web::dump(core::Json::object()).empty());
  const auto host = fleet::web::api_host(index, text);
  check(host.status == (text.empty() ? 404 : 200));

  if (!text.empty()) {
    const std::string page = fleet::web::host_page(index, text);
    check(count(page, "<script") == 1);
  }
  const std::string dash = fleet::web::dashboard_page(index);
  check(count(dash, "<script") == 1);
  const std::string report = fleet::render_report_html(view);
  check(count(report, "<script") == 0 && count(report, "</style>") == 1);
  return 0;
}
