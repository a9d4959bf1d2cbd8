#include "input_util.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "supplyguard/core/error.hpp"

namespace sg::fleet {

// Sized from fstat and read straight into the string: a 430 MB findings file read through a
// stringstream cost a copy per doubling of its buffer and was a tenth of ingest's CPU. (Not a
// mapping: a file truncated by its writer while mapped would kill the process with SIGBUS.)
std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw core::InputError::in(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st {};
  std::string out;
  // One byte more than the size, so the read that sees EOF needs no bigger buffer.
  out.resize(::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 ? std::size_t(st.st_size) + 1 : 1u << 16);
  std::size_t used = 0;
  for (;;) {
    if (used == out.size()) out.resize(std::max<std::size_t>(2 * out.size(), 1u << 16));  // grew, or a pipe
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const int e = errno;
      ::close(fd);
      throw core::InputError::in(path, std::string("read error: ") + std::strerror(e));
    }
    used += std::size_t(n);
  }
  ::close(fd);
  out.resize(used);
  return out;
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
