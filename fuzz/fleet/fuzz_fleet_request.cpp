// The request side of the dashboard on its own: what a client sends (path segments, query
// strings for /api/findings and /api/hosts, Authorization and Cookie headers) and --listen text,
// checked against the same invariants as fuzz_fleet_web, over a fixed fleet built once.
// fuzz_fleet_web also puts the input into a fleet view and renders three whole pages from it
// (dashboard, host page, report), which is most of its time; it stays as it is.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"
#include "web/api.hpp"
#include "web/auth.hpp"
#include "web/escape.hpp"
#include "web/listen.hpp"
#include "web/view_index.hpp"

namespace {

using namespace sg;

void check(bool ok) {
  if (!ok) std::abort();
}

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
  static const fleet::web::TokenCheck token("secret");
  const std::string text(reinterpret_cast<const char*>(data), size);

  const std::string escaped = fleet::web::html(text);
  check(escaped.find_first_of("<>\"'") == std::string::npos);
  for (const char c : fleet::web::path_segment(text)) {
    const auto u = static_cast<unsigned char>(c);
    check(std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~' || c == '%');
  }
  for (const char c : fleet::web::log_safe(text)) check(c >= 0x20 && c < 0x7F);

  try {
    const auto at = fleet::web::parse_listen(text);
    check(at.port >= 0 && at.port <= 65535);
  } catch (const core::InputError&) {
  }
  check(!token.matches(fleet::web::bearer(text)) || fleet::web::bearer(text) == "secret");
  check(!token.session_matches(fleet::web::cookie_value(text, "sg_session")) ||
        fleet::web::cookie_value(text, "sg_session") == token.session_value());

  // Query string: name=value pairs split on '&' (the server hands them to us decoded).
  fleet::web::Params params;
  for (std::size_t start = 0; start <= text.size();) {
    const auto amp = text.find('&', start);
    const std::string pair = text.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    const auto eq = pair.find('=');
    params.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  const auto found = fleet::web::api_findings(index, params);
  check(found.status == 200 || found.status == 400);
  const auto hosts = fleet::web::api_hosts(index, params);
  check(hosts.status == 200 || hosts.status == 400);
  const auto host = fleet::web::api_host(index, text);
  check(host.status == (text == "web-01" || text == "db-01" ? 200 : 404));
  return 0;
}
