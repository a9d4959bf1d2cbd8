#include "web/listen.hpp"

#include <arpa/inet.h>

#include <charconv>

#include "supplyguard/core/error.hpp"

namespace sg::fleet::web {
namespace {

[[noreturn]] void bad(std::string_view text, const std::string& why) {
  throw core::InputError::in("--listen", "\"" + std::string(text) + "\": " + why);
}

}  // namespace

ListenAddress parse_listen(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) bad(text, "expected ADDR:PORT, e.g. 127.0.0.1:8080");
  std::string_view host = text.substr(0, colon), port = text.substr(colon + 1);

  int p = -1;
  auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc{} || ptr != port.data() + port.size() || p < 0 || p > 65535)
    bad(text, "port must be a number 0..65535 (0 picks a free one)");

  ListenAddress out;
  out.port = p;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    out.host = std::string(host.substr(1, host.size() - 2));
    in6_addr a6{};
    if (inet_pton(AF_INET6, out.host.c_str(), &a6) != 1) bad(text, "not an IPv6 address in brackets");
    out.loopback = IN6_IS_ADDR_LOOPBACK(&a6);
    return out;
  }
  if (host == "localhost") {
    // Resolved by us, not the system: "localhost" must mean loopback whatever /etc/hosts says.
    out.host = "127.0.0.1";
    out.loopback = true;
    return out;
  }
  out.host = std::string(host);
  in_addr a4{};
  if (host.empty() || inet_pton(AF_INET, out.host.c_str(), &a4) != 1)
    bad(text, "address must be dotted IPv4, [IPv6] or localhost");
  out.loopback = (ntohl(a4.s_addr) >> 24) == 127;
  return out;
}

}  // namespace sg::fleet::web
