#include "bytes.hpp"
#include "supplyguard/hunt/dns.hpp"

namespace sg::hunt {
namespace {


// Reads a (possibly compressed) name at `off`; `next` receives the offset after it in the
// original position. Returns false on anything out of bounds or looping.
bool read_name(const std::uint8_t* d, std::size_t len, std::size_t off, std::string* name, std::size_t& next) {
  bool jumped = false;
  int jumps = 0;
  std::size_t total = 0;
  for (;;) {
    if (off >= len) return false;
    const std::uint8_t c = d[off];
    if (c == 0) {
      if (!jumped) next = off + 1;
      return true;
    }
    if ((c & 0xc0) == 0xc0) {
      if (off + 1 >= len || ++jumps > 16) return false;
      if (!jumped) next = off + 2;
      jumped = true;
      off = std::size_t((c & 0x3f) << 8 | d[off + 1]);
      continue;
    }
    if (c & 0xc0) return false;
    if (off + 1 + c > len || (total += c + 1u) > 255) return false;
    if (name) {
      if (!name->empty()) name->push_back('.');
      const std::size_t at = name->size();
      name->append(reinterpret_cast<const char*>(d + off + 1), c);  // one append per label, not per byte
      for (std::size_t i = at; i < name->size(); ++i) {
        char& ch = (*name)[i];
        if (ch >= 'A' && ch <= 'Z') ch = char(ch - 'A' + 'a');
      }
    }
    off += 1 + c;
  }
}

}  // namespace

bool parse_dns(const std::uint8_t* d, std::size_t len, DnsMessage& out) {
  if (d == nullptr || len < 12) return false;
  out.response = (d[2] & 0x80) != 0;
  const std::uint16_t qd = be16(d + 4), an = be16(d + 6);
  if (qd != 1) return false;
  std::size_t off = 12;
  out.record.query.clear();
  out.record.answers.clear();
  if (!read_name(d, len, off, &out.record.query, off)) return false;
  if (off + 4 > len) return false;
  out.record.qtype = be16(d + off);
  off += 4;
  for (std::uint16_t i = 0; i < an && i < 64; ++i) {
    if (!read_name(d, len, off, nullptr, off)) return true;  // keep what we have
    if (off + 10 > len) return true;
    const std::uint16_t type = be16(d + off);
    const std::uint16_t rdlen = be16(d + off + 8);
    off += 10;
    if (off + rdlen > len) return true;
    if (type == 1 && rdlen == 4) out.record.answers.push_back(IpAddr::v4(d + off));
    if (type == 28 && rdlen == 16) out.record.answers.push_back(IpAddr::v6(d + off));
    off += rdlen;
  }
  return true;
}

}  // namespace sg::hunt
