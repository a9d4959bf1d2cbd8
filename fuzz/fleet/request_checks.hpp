#pragma once
// What the dashboard takes from a client, checked the same way by fuzz_fleet_web and
// fuzz_fleet_request: escaped text holds no markup character, encoded path segments only
// unreserved bytes and %XX, log text only printable ASCII, --listen a valid port, the token and
// session checks accept only the secret, and the input's query string parsed as the server does.
#include <cctype>
#include <cstdlib>
#include <string>

#include "supplyguard/core/error.hpp"
#include "web/api.hpp"
#include "web/auth.hpp"
#include "web/escape.hpp"
#include "web/listen.hpp"

namespace sg::fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

// Runs the request-side invariants on `text`; returns it as a query string's parameters
// (name=value pairs split on '&'; the server hands them to us decoded).
inline fleet::web::Params check_request(const std::string& text) {
  check(fleet::web::html(text).find_first_of("<>\"'") == std::string::npos);
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
  static const fleet::web::TokenCheck token("secret");  // the same secret for every input: hashed once
  check(!token.matches(fleet::web::bearer(text)) || fleet::web::bearer(text) == "secret");
  check(!token.session_matches(fleet::web::cookie_value(text, "sg_session")) ||
        fleet::web::cookie_value(text, "sg_session") == token.session_value());

  fleet::web::Params params;
  for (std::size_t start = 0; start <= text.size();) {
    const auto amp = text.find('&', start);
    const std::string pair = text.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    const auto eq = pair.find('=');
    params.emplace(pair.substr(0, eq), eq == std::string::npos ? "" : pair.substr(eq + 1));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  return params;
}

}  // namespace sg::fuzz
