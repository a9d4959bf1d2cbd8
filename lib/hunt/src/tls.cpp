// TLS ClientHello parser and the JA4 client fingerprint. Only what names and fingerprints a
// client is read: SNI, ALPN, supported_versions, cipher suites, extension types and signature
// algorithms. The hello is reassembled from the handshake records at the start of the client
// stream (a hello with post-quantum key shares is ~1.8 KB: two TCP segments, sometimes two
// records); nothing after it is touched.
#include "bytes.hpp"
#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

#include "names.hpp"

namespace sg::hunt {
namespace {

constexpr std::size_t kMaxHello = 16384;  // a handshake message we accept (RFC 8446 caps records at 2^14)


struct Fail {
  ParseStatus status;
  std::string why;
};

// A cursor over the handshake body; every read checks the bound.
class TlsReader {
 public:
  TlsReader(const std::uint8_t* p, std::size_t n, std::size_t base) : p_(p), n_(n), base_(base) {}
  std::size_t left() const { return n_ - off_; }
  std::size_t offset() const { return base_ + off_; }
  const std::uint8_t* take(std::size_t k, const char* what) {
    if (k > left()) throw Fail{ParseStatus::error, std::string(what) + " runs past the end of the hello at byte " + std::to_string(offset())};
    const std::uint8_t* at = p_ + off_;
    off_ += k;
    return at;
  }
  std::uint8_t u8(const char* what) { return *take(1, what); }
  std::uint16_t u16(const char* what) { return be16(take(2, what)); }
  TlsReader sub(std::size_t k, const char* what) {
    const std::size_t at = offset();
    return TlsReader(take(k, what), k, at);
  }

 private:
  const std::uint8_t* p_;
  std::size_t n_, off_ = 0, base_;
};

std::vector<std::uint16_t> u16_list(TlsReader r, const char* what) {
  std::vector<std::uint16_t> v;
  if (r.left() % 2) throw Fail{ParseStatus::error, std::string(what) + " has an odd length at byte " + std::to_string(r.offset())};
  while (r.left()) {
    const std::uint16_t x = r.u16(what);
    if (!is_grease(x)) v.push_back(x);
  }
  return v;
}

void parse_extension(std::uint16_t type, TlsReader r, ClientHello& out) {
  switch (type) {
    case 0x0000: {  // server_name: list of (type, name); the first host_name is the SNI
      out.has_sni_ext = true;
      if (r.left() == 0) return;  // empty in a server's echo; a client should not send this
      TlsReader list = r.sub(r.u16("server_name list length"), "server_name list");
      while (list.left()) {
        const std::uint8_t kind = list.u8("server_name type");
        const std::size_t n = list.u16("server_name length");
        const std::size_t at = list.offset();
        const std::uint8_t* name = list.take(n, "server_name");
        if (kind == 0 && out.sni.empty()) {
          out.sni = clean_host_name(name, n);
          if (out.sni.empty() && n)
            throw Fail{ParseStatus::error, "server_name is not a host name at byte " + std::to_string(at)};
        }
      }
      return;
    }
    case 0x0010: {  // ALPN: list of length-prefixed protocol names
      TlsReader list = r.sub(r.u16("ALPN list length"), "ALPN list");
      while (list.left() && out.alpn.size() < 16) {
        const std::size_t n = list.u8("ALPN name length");
        const std::uint8_t* p = list.take(n, "ALPN name");
        out.alpn.emplace_back(reinterpret_cast<const char*>(p), n);
      }
      return;
    }
    case 0x002b: {  // supported_versions (client form: 1-byte length)
      out.versions = u16_list(r.sub(r.u8("supported_versions length"), "supported_versions"), "supported_versions");
      return;
    }
    case 0x000d: {
      out.sig_algs = u16_list(r.sub(r.u16("signature_algorithms length"), "signature_algorithms"), "signature_algorithms");
      return;
    }
    default:
      return;
  }
}

void parse_hello_body(TlsReader r, ClientHello& out) {
  out.legacy_version = r.u16("client_version");
  r.take(32, "random");
  r.take(r.u8("session_id length"), "session_id");
  const std::size_t cs = r.u16("cipher_suites length");
  out.ciphers = u16_list(r.sub(cs, "cipher_suites"), "cipher_suites");
  r.take(r.u8("compression_methods length"), "compression_methods");
  if (r.left() == 0) return;  // SSL 3.0 / early TLS: no extensions block
  TlsReader exts = r.sub(r.u16("extensions length"), "extensions");
  int count = 0;
  while (exts.left()) {
    if (++count > 512) throw Fail{ParseStatus::error, "more than 512 extensions at byte " + std::to_string(exts.offset())};
    const std::uint16_t type = exts.u16("extension type");
    TlsReader body = exts.sub(exts.u16("extension length"), "extension body");
    if (is_grease(type)) continue;
    out.extensions.push_back(type);
    parse_extension(type, body, out);
  }
}

std::string sha256_12(const std::string& s) {
  if (s.empty()) return "000000000000";
  // Fetched once: OpenSSL 3 looks the algorithm up on every EVP_sha256() digest otherwise.
  static const EVP_MD* const sha256 = [] {
    const EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return m ? m : EVP_sha256();
  }();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(s.data(), s.size(), md, &n, sha256, nullptr);
  char hex[13];
  for (int i = 0; i < 6; ++i) std::snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return std::string(hex, 12);
}

std::string hex_list(const std::vector<std::uint16_t>& v) {
  std::string s;
  char b[6];
  for (std::uint16_t x : v) {
    std::snprintf(b, sizeof b, "%04x", x);
    if (!s.empty()) s.push_back(',');
    s += b;
  }
  return s;
}

bool alnum(std::uint8_t c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// SSL 2.0-compatible ClientHello (RFC 6101 appendix E.2; still sent by very old stacks, such as
// some BMC firmware): a 2-byte header with the top bit set, then msg_type 1, version, and
// 3-byte cipher specs. No extensions, so no SNI. Specs whose first byte is 0 are TLS cipher
// suites; SSL 2.0-only specs have no TLS code point and are left out of the fingerprint.
ParseStatus parse_sslv2_hello(const std::uint8_t* d, std::size_t len, ClientHello& out, std::string* why) {
  if (len < 3) return ParseStatus::need_more;
  const std::size_t rlen = std::size_t(d[0] & 0x7f) << 8 | d[1];
  if (d[2] != 1) return ParseStatus::not_this;
  if (len < 2 + rlen) return ParseStatus::need_more;
  auto fail = [&](const std::string& w) {
    if (why) *why = "SSL 2.0 ClientHello: " + w;
    return ParseStatus::error;
  };
  if (rlen < 9) return fail("record length " + std::to_string(rlen) + " at byte 0 is under the 9-byte header");
  const std::uint8_t* h = d + 2;
  out.legacy_version = be16(h + 1);
  const std::size_t specs = be16(h + 3), sid = be16(h + 5), challenge = be16(h + 7);
  if (specs % 3) return fail("cipher spec length " + std::to_string(specs) + " at byte 5 is not a multiple of 3");
  if (9 + specs + sid + challenge > rlen) return fail("lengths at bytes 5-10 run past the record (" + std::to_string(rlen) + " bytes)");
  for (std::size_t i = 0; i < specs; i += 3) {
    const std::uint8_t* c = h + 9 + i;
    if (c[0] != 0) continue;
    const std::uint16_t suite = be16(c + 1);
    if (!is_grease(suite)) out.ciphers.push_back(suite);
  }
  out.consumed = 2 + rlen;
  return ParseStatus::ok;
}

}  // namespace

ParseStatus parse_client_hello(const std::uint8_t* d, std::size_t len, ClientHello& out, std::string* why) {
  out = ClientHello{};
  if (len == 0) return ParseStatus::need_more;
  if (d[0] & 0x80) return parse_sslv2_hello(d, len, out, why);
  // Record header: content type 22 (handshake), version 3.x. Anything else is another protocol
  // (SSLv2-compatible hellos from very old stacks included: they carry no extensions).
  if (d[0] != 0x16) return ParseStatus::not_this;
  if (len >= 2 && d[1] != 3) return ParseStatus::not_this;
  // Gather the handshake bytes from consecutive handshake records.
  std::vector<std::uint8_t> hs;
  std::size_t off = 0;
  std::size_t need = 0;  // handshake message size once its header is seen
  try {
    for (;;) {
      if (need && hs.size() >= need) break;
      if (off + 5 > len) return ParseStatus::need_more;
      if (d[off] != 0x16)
        throw Fail{ParseStatus::error, "record at byte " + std::to_string(off) + " is not a handshake record before the hello ended"};
      if (d[off + 1] != 3) throw Fail{ParseStatus::error, "record version major is not 3 at byte " + std::to_string(off + 1)};
      const std::size_t rlen = be16(d + off + 3);
      if (rlen == 0 || rlen > 16384 + 2048)
        throw Fail{ParseStatus::error, "record length " + std::to_string(rlen) + " at byte " + std::to_string(off + 3)};
      const std::size_t avail = std::min(rlen, len - off - 5);
      if (hs.empty() && hs.capacity() == 0 && avail == rlen && rlen >= 4) hs.reserve(rlen);
      hs.insert(hs.end(), d + off + 5, d + off + 5 + avail);
      if (!need && hs.size() >= 4) {
        if (hs[0] != 1) throw Fail{ParseStatus::not_this, ""};  // a server's or other handshake message
        need = 4 + (std::size_t(hs[1]) << 16 | std::size_t(hs[2]) << 8 | hs[3]);
        if (need > kMaxHello)
          throw Fail{ParseStatus::error, "ClientHello length " + std::to_string(need - 4) + " at byte " + std::to_string(off + 6) + " is over 16 KB"};
        if (need < 4 + 38) throw Fail{ParseStatus::error, "ClientHello length " + std::to_string(need - 4) + " at byte " + std::to_string(off + 6) + " is too short"};
      }
      if (avail < rlen) {
        // The hello ended inside a record we have only part of: it took what we have, not
        // the record's announced length (that would claim bytes past the end of the stream).
        if (need && hs.size() >= need) { off += 5 + avail; break; }
        return ParseStatus::need_more;
      }
      off += 5 + rlen;
    }
    out.consumed = off;
    // Offsets in errors below are within the handshake message (after the 4-byte header).
    parse_hello_body(TlsReader(hs.data() + 4, need - 4, 4), out);
    return ParseStatus::ok;
  } catch (const Fail& f) {
    if (why) *why = f.why;
    return f.status;
  }
}

std::string ja4_fingerprint(const ClientHello& h, std::string* raw) {
  std::uint16_t v = h.legacy_version;
  if (!h.versions.empty()) v = *std::max_element(h.versions.begin(), h.versions.end());
  const char* ver = "00";
  switch (v) {
    case 0x0304: ver = "13"; break;
    case 0x0303: ver = "12"; break;
    case 0x0302: ver = "11"; break;
    case 0x0301: ver = "10"; break;
    case 0x0300: ver = "s3"; break;
    case 0x0002: ver = "s2"; break;
    case 0xfeff: ver = "d1"; break;
    case 0xfefd: ver = "d2"; break;
    case 0xfefc: ver = "d3"; break;
    default: break;
  }
  char alpn[3] = "00";
  if (!h.alpn.empty() && !h.alpn[0].empty()) {
    const auto& a = h.alpn[0];
    const auto first = std::uint8_t(a.front()), last = std::uint8_t(a.back());
    if (alnum(first) && alnum(last)) {
      alpn[0] = char(first);
      alpn[1] = char(last);
    } else {
      static const char hexd[] = "0123456789abcdef";
      alpn[0] = hexd[first >> 4];
      alpn[1] = hexd[last & 15];
    }
  }
  char a[16];
  std::snprintf(a, sizeof a, "t%s%c%02zu%02zu%s", ver, h.has_sni_ext ? 'd' : 'i', std::min<std::size_t>(99, h.ciphers.size()),
                std::min<std::size_t>(99, h.extensions.size()), alpn);
  std::vector<std::uint16_t> ciphers = h.ciphers, exts;
  std::sort(ciphers.begin(), ciphers.end());
  for (std::uint16_t e : h.extensions)
    if (e != 0x0000 && e != 0x0010) exts.push_back(e);
  std::sort(exts.begin(), exts.end());
  const std::string b = hex_list(ciphers);
  std::string c = hex_list(exts);
  if (!c.empty() && !h.sig_algs.empty()) c += "_" + hex_list(h.sig_algs);
  if (raw) *raw = std::string(a) + "_" + b + "_" + c;
  return std::string(a) + "_" + sha256_12(b) + "_" + sha256_12(c);
}

}  // namespace sg::hunt
