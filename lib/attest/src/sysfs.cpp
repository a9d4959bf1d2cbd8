#include "sysfs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace sg::attest::detail {

}  // namespace sg::attest::detail

namespace sg::attest {

std::string to_valid_utf8(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  std::size_t i = 0;
  auto bad = [&](unsigned char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02X", c);
    out += buf;
    ++i;
  };
  while (i < in.size()) {
    const unsigned char c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      out += char(c);
      ++i;
      continue;
    }
    // Expected sequence length and the valid range of the second byte (RFC 3629 table).
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) len = 2;
    else if (c == 0xE0) len = 3, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) len = 3;
    else if (c == 0xED) len = 3, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) len = 3;
    else if (c == 0xF0) len = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) len = 4;
    else if (c == 0xF4) len = 4, hi = 0x8F;
    bool ok = len > 0 && i + len <= in.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      const unsigned char d = static_cast<unsigned char>(in[i + k]);
      ok = k == 1 ? (d >= lo && d <= hi) : (d >= 0x80 && d <= 0xBF);
    }
    if (!ok) {
      bad(c);
      continue;
    }
    out.append(in.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace sg::attest

namespace sg::attest::detail {

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == 0))
    s.pop_back();
  std::size_t b = 0;
  while (b < s.size() && (s[b] == ' ' || s[b] == '\t')) ++b;
  return s.substr(b);
}

std::optional<std::string> Tree::binary(const std::string& rel, std::size_t max_bytes, bool note_missing) {
  const auto p = abs(rel);
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno != ENOENT || note_missing) note(rel, std::strerror(errno));
    return std::nullopt;
  }
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      // sysfs files such as a PCI "rom" fail at read time (EINVAL until enabled; we never write
      // to sysfs to enable them), and some attributes answer EIO on virtual hardware.
      note(rel, std::strerror(errno));
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, std::size_t(n));
    if (out.size() > max_bytes) {
      note(rel, "larger than " + std::to_string(max_bytes) + " bytes");
      ::close(fd);
      return std::nullopt;
    }
  }
  ::close(fd);
  return out;
}

std::optional<std::string> Tree::text(const std::string& rel, bool note_missing) {
  auto s = binary(rel, 1 << 16, note_missing);
  if (!s) return std::nullopt;
  return to_valid_utf8(trim(std::move(*s)));
}

std::optional<std::vector<std::string>> Tree::list(const std::string& rel, bool note_missing) {
  std::error_code ec;
  std::filesystem::directory_iterator it(abs(rel), ec);
  if (ec) {
    if (ec != std::errc::no_such_file_or_directory || note_missing) note(rel, ec.message());
    return std::nullopt;
  }
  std::vector<std::string> names;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    names.push_back(to_valid_utf8(it->path().filename().string()));
  }
  if (ec) note(rel, ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<std::string> Tree::link_name(const std::string& rel) {
  std::error_code ec;
  const auto target = std::filesystem::read_symlink(abs(rel), ec);
  if (ec) return std::nullopt;
  auto name = target.filename().string();
  if (name.empty()) name = target.parent_path().filename().string();
  return to_valid_utf8(name);
}

bool Tree::exists(const std::string& rel) const {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::symlink_status(abs(rel), ec));
}

}  // namespace sg::attest::detail
