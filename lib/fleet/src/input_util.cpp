#include "input_util.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "supplyguard/core/error.hpp"

namespace sg::fleet {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::InputError::in(path, std::string("cannot open: ") + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw core::InputError::in(path, "read error");
  return ss.str();
}

std::optional<std::string> normalize_address(std::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  const std::string s(text);
  char buf[INET6_ADDRSTRLEN];
  unsigned char raw[16];
  if (inet_pton(AF_INET, s.c_str(), raw) == 1) return std::string(inet_ntop(AF_INET, raw, buf, sizeof buf));
  if (inet_pton(AF_INET6, s.c_str(), raw) == 1) return std::string(inet_ntop(AF_INET6, raw, buf, sizeof buf));
  return std::nullopt;
}

void check_text(const std::string& text, const std::string& source, std::uint64_t line, const char* what) {
  if (text.find('\0') != std::string::npos)
    throw core::InputError::at_line(source, line, std::string(what) + " contains a NUL character");
}

}  // namespace sg::fleet
