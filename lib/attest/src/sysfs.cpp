#include "sysfs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

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
  return trim(std::move(*s));
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
    names.push_back(it->path().filename().string());
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
  return name;
}

bool Tree::exists(const std::string& rel) const {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::symlink_status(abs(rel), ec));
}

}  // namespace sg::attest::detail
