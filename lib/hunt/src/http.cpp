// HTTP/1.x request head: request line, Host and User-Agent, from the first client bytes of a
// flow. Only the head is read (never a body), and only complete lines count.
#include <algorithm>
#include <cstring>
#include <string_view>

#include "names.hpp"
#include "supplyguard/hunt/net.hpp"

namespace sg::hunt {
namespace {

constexpr std::size_t kMaxLine = 8192;

// RFC 9110 token characters (methods are tokens).
bool tchar(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return (x | 0x20) == (y | 0x20); });
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// Header values we keep are printable; control bytes are replaced so a hostile value cannot
// break a TSV/JSON consumer downstream (the JSON writer escapes, but table output does not).
std::string printable(std::string_view v, std::size_t max) {
  std::string s;
  for (char c : v.substr(0, max)) s.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? '?' : c);
  return s;
}

}  // namespace

std::string clean_host_name(const std::uint8_t* p, std::size_t n) {
  while (n && p[n - 1] == '.') --n;
  if (n == 0 || n > 253) return {};
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    char c = char(p[i]);
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == '*')) return {};
    s[i] = c;
  }
  return s;
}

std::string http_host_name(const std::string& host) {
  std::string_view h = host;
  if (h.empty() || h.front() == '[') return {};  // IPv6 literal
  if (const auto colon = h.rfind(':'); colon != std::string_view::npos) h = h.substr(0, colon);
  if (parse_ip(h)) return {};                    // IPv4 literal: the address already says it
  return clean_host_name(reinterpret_cast<const std::uint8_t*>(h.data()), h.size());
}

ParseStatus parse_http_request(const std::uint8_t* data, std::size_t len, HttpRequest& out, bool final, std::string* why) {
  out = HttpRequest{};
  const std::string_view s(reinterpret_cast<const char*>(data), len);
  // The method: a token then a space. Checked on the first bytes so a non-HTTP flow is told
  // apart after one segment.
  std::size_t i = 0;
  while (i < s.size() && i < 16 && tchar(static_cast<unsigned char>(s[i]))) ++i;
  if (i == s.size()) return i < 16 ? ParseStatus::need_more : ParseStatus::not_this;
  if (i == 0 || s[i] != ' ' || i >= 16) return ParseStatus::not_this;
  const auto eol = s.find('\n');
  if (eol == std::string_view::npos) {
    if (s.size() > kMaxLine) {
      if (why) *why = "request line longer than " + std::to_string(kMaxLine) + " bytes at byte 0";
      return ParseStatus::error;
    }
    return final ? ParseStatus::error : ParseStatus::need_more;
  }
  std::string_view line = s.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (sp2 == sp1 || line.substr(sp2 + 1).substr(0, 5) != "HTTP/") {
    // A method-like token and a line, but not "METHOD target HTTP/x.y": some other text protocol.
    return ParseStatus::not_this;
  }
  out.method = printable(line.substr(0, sp1), 16);
  out.target = printable(line.substr(sp1 + 1, sp2 - sp1 - 1), 512);
  out.version = printable(line.substr(sp2 + 1), 16);
  // Header lines until the empty line (or the end of what we have).
  std::size_t off = eol + 1;
  for (int n = 0; n < 200; ++n) {
    const auto e = s.find('\n', off);
    if (e == std::string_view::npos) break;
    std::string_view h = s.substr(off, e - off);
    if (!h.empty() && h.back() == '\r') h.remove_suffix(1);
    off = e + 1;
    if (h.empty()) {
      out.complete = true;
      break;
    }
    const auto colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;  // obs-fold or junk: skipped, as servers do
    const std::string_view name = h.substr(0, colon), value = trim(h.substr(colon + 1));
    if (iequals(name, "host") && out.host.empty()) {
      out.host = printable(value, 255);
      std::transform(out.host.begin(), out.host.end(), out.host.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    } else if (iequals(name, "user-agent") && out.user_agent.empty()) {
      out.user_agent = printable(value, 512);
    }
  }
  if (!out.complete && !final) return ParseStatus::need_more;
  return ParseStatus::ok;
}

}  // namespace sg::hunt
