#include "supplyguard/hunt/allow.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "supplyguard/core/error.hpp"

namespace sg::hunt {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::optional<std::uint16_t> parse_port(const std::string& s) {
  if (s.empty() || s.size() > 5) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + unsigned(c - '0');
  }
  if (v == 0 || v > 65535) return std::nullopt;
  return std::uint16_t(v);
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 253) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}

}  // namespace

Allowlist Allowlist::parse(std::istream& in, const std::string& source) {
  Allowlist a;
  std::string raw;
  std::uint64_t lineno = 0;
  while (std::getline(in, raw)) {
    ++lineno;
    const auto hash = raw.find('#');
    std::string line = trim(hash == std::string::npos ? raw : raw.substr(0, hash));
    if (line.empty()) continue;
    auto bad = [&](const std::string& why) {
      return core::InputError::at_line(source, lineno, why + ": \"" + line + "\"");
    };
    std::string host = line;
    std::optional<std::uint16_t> port;
    if (line.front() == '[') {  // [v6]:port
      const auto close = line.find(']');
      if (close == std::string::npos) throw bad("missing ']'");
      host = line.substr(1, close - 1);
      if (close + 1 < line.size()) {
        if (line[close + 1] != ':' || !(port = parse_port(line.substr(close + 2)))) throw bad("bad port");
      }
    } else if (std::count(line.begin(), line.end(), ':') == 1) {  // v4, CIDR or name with :port
      const auto colon = line.find(':');
      host = line.substr(0, colon);
      if (!(port = parse_port(line.substr(colon + 1)))) throw bad("bad port");
    }
    if (auto c = parse_cidr(host)) {
      a.nets_.push_back({*c, port});
      continue;
    }
    std::string name = host;
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char ch) { return char(std::tolower(ch)); });
    if (!name.empty() && name.back() == '.') name.pop_back();
    const bool suffix = !name.empty() && name.front() == '.';
    if (suffix) name.erase(0, 1);
    if (!valid_name(name) || name.find('/') != std::string::npos)
      throw bad("not a CIDR, address or host name");
    a.names_.push_back({name, suffix, port});
  }
  return a;
}

Allowlist Allowlist::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw core::InputError::in(path, std::string("cannot open: ") + std::strerror(errno));
  return parse(in, path);
}

bool Allowlist::allows(const IpAddr& dst, const std::string& dst_name, std::uint16_t port) const {
  for (const auto& e : nets_)
    if ((!e.port || *e.port == port) && e.net.contains(dst)) return true;
  if (dst_name.empty()) return false;
  for (const auto& e : names_) {
    if (e.port && *e.port != port) continue;
    if (dst_name == e.name) return true;
    if (e.suffix && dst_name.size() > e.name.size() &&
        dst_name.compare(dst_name.size() - e.name.size(), e.name.size(), e.name) == 0 &&
        dst_name[dst_name.size() - e.name.size() - 1] == '.')
      return true;
  }
  return false;
}

}  // namespace sg::hunt
