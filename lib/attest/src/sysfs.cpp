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

std::optional<std::string> Tree::stand_in_target(const std::filesystem::path& file) const {
  std::error_code ec;
  const auto st = std::filesystem::symlink_status(file, ec);
  if (ec || !std::filesystem::is_regular_file(st)) return std::nullopt;
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return std::nullopt;
  char buf[1025];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0 || n > 1024) return std::nullopt;  // a link target is short
  std::string target(buf, std::size_t(n));
  // A relative path of printable characters, and nothing else: never an absolute one (that would
  // name the live host), never a multi-line or binary attribute.
  if (target.front() == '/' || target.find('/') == std::string::npos) return std::nullopt;
  for (char c : target)
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7f) return std::nullopt;
  return target;
}

std::filesystem::path Tree::abs(const std::string& rel, bool follow_last) const {
  if (follow_last) return resolve_dir(rel);
  // The last element is the file to read: resolve its directory once per directory, since a
  // device's attributes are read one by one.
  const auto slash = rel.rfind('/');
  if (slash == std::string::npos) return root_ / rel;
  return resolve_dir(rel.substr(0, slash)) / rel.substr(slash + 1);
}

std::filesystem::path Tree::resolve_dir(const std::string& rel) const {
  namespace fs = std::filesystem;
  if (auto it = resolved_.find(rel); it != resolved_.end()) return it->second;
  // Walk element by element; `cur` stays relative to the root and lexically inside it.
  std::vector<std::string> todo;
  for (const auto& e : fs::path(rel)) todo.insert(todo.begin(), e.string());  // a stack, last on top
  std::vector<std::string> cur;
  int hops = 0;
  while (!todo.empty()) {
    std::string e = std::move(todo.back());
    todo.pop_back();
    if (e.empty() || e == ".") continue;
    if (e == "..") {
      if (!cur.empty()) cur.pop_back();
      continue;
    }
    cur.push_back(e);
    fs::path here = root_;
    for (const auto& c : cur) here /= c;
    if (hops >= 40) continue;  // a loop of stand-ins: leave the rest to fail as the OS would
    auto target = stand_in_target(here);
    if (!target) continue;
    // Resolve the target against the stand-in's directory, refusing any escape above the root.
    std::vector<std::string> dir(cur.begin(), cur.end() - 1);
    bool escapes = false;
    for (const auto& t : fs::path(*target)) {
      const std::string ts = t.string();
      if (ts.empty() || ts == ".") continue;
      if (ts == "..") {
        if (dir.empty()) escapes = true;
        else dir.pop_back();
      } else {
        dir.push_back(ts);
      }
    }
    if (escapes) continue;
    ++hops;
    // The target's elements are walked again (they may hold stand-ins themselves).
    cur.clear();
    for (auto it = dir.rbegin(); it != dir.rend(); ++it) todo.push_back(*it);
  }
  fs::path out = root_;
  for (const auto& c : cur) out /= c;
  // One entry per directory read (bounded by the tree's size, like the components themselves).
  resolved_.emplace(rel, out);
  return out;
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
  std::filesystem::directory_iterator it(abs(rel, true), ec);
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
  const auto at = abs(rel);
  auto target = std::filesystem::read_symlink(at, ec);
  if (ec) {
    auto stand_in = stand_in_target(at);
    if (!stand_in) return std::nullopt;
    target = *stand_in;
  }
  auto name = target.filename().string();
  if (name.empty()) name = target.parent_path().filename().string();
  return to_valid_utf8(name);
}

bool Tree::exists(const std::string& rel) const {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::symlink_status(abs(rel), ec));
}

}  // namespace sg::attest::detail
