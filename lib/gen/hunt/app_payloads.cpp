// Application bytes for generated flows: TLS ClientHellos of a few client stacks and HTTP GET
// heads. The hellos are built field by field from RFC 8446 / RFC 6066 structures (not copied
// from captures), with the cipher and extension lists typical of each stack.
#include <stdexcept>

#include "supplyguard/gen/traffic.hpp"

namespace sg::hunt {
namespace {

class Bytes {
 public:
  std::vector<std::uint8_t> v;
  void u8(unsigned x) { v.push_back(std::uint8_t(x)); }
  void u16(unsigned x) { u8(x >> 8); u8(x); }
  void u24(unsigned x) { u8(x >> 16); u16(x & 0xffff); }
  void raw(const std::vector<std::uint8_t>& b) { v.insert(v.end(), b.begin(), b.end()); }
  void str(const std::string& s) { v.insert(v.end(), s.begin(), s.end()); }
  void fill(std::size_t n, std::uint8_t x) { v.insert(v.end(), n, x); }
};

// Wraps `body` in a 2-byte length.
std::vector<std::uint8_t> len16(const Bytes& body) {
  Bytes b;
  b.u16(unsigned(body.v.size()));
  b.raw(body.v);
  return b.v;
}

void extension(Bytes& exts, unsigned type, const Bytes& body) {
  exts.u16(type);
  exts.raw(len16(body));
}

Bytes u16_list(std::initializer_list<unsigned> xs) {
  Bytes b;
  for (unsigned x : xs) b.u16(x);
  return b;
}

}  // namespace

std::vector<std::uint8_t> client_hello(const std::string& sni, TlsClientProfile profile) {
  const bool browser = profile == TlsClientProfile::browser || profile == TlsClientProfile::browser_pq;
  Bytes ciphers;
  switch (profile) {
    case TlsClientProfile::browser:
    case TlsClientProfile::browser_pq:
      ciphers = u16_list({0x3a3a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
                          0x009c, 0x009d, 0x002f, 0x0035});
      break;
    case TlsClientProfile::go_implant:
      ciphers = u16_list({0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc009, 0xc013, 0xc00a, 0xc014, 0x009c, 0x009d,
                          0x002f, 0x0035, 0xc012, 0x000a, 0x1301, 0x1302, 0x1303});
      break;
    case TlsClientProfile::old_bmc:
      ciphers = u16_list({0x0035, 0x002f, 0x000a, 0x0005, 0x0004, 0x00ff});
      break;
  }
  Bytes exts;
  if (browser) extension(exts, 0x5a5a, Bytes{});  // GREASE, as Chrome sends
  if (!sni.empty()) {
    Bytes name;
    name.u8(0);
    name.u16(unsigned(sni.size()));
    name.str(sni);
    Bytes list;
    list.raw(len16(name));
    extension(exts, 0x0000, list);
  }
  auto groups = [&](std::initializer_list<unsigned> g) {
    Bytes b;
    b.raw(len16(u16_list(g)));
    extension(exts, 0x000a, b);
  };
  auto sig_algs = [&](std::initializer_list<unsigned> s) {
    Bytes b;
    b.raw(len16(u16_list(s)));
    extension(exts, 0x000d, b);
  };
  auto alpn = [&](std::initializer_list<const char*> names) {
    Bytes list;
    for (const char* n : names) {
      list.u8(unsigned(std::string(n).size()));
      list.str(n);
    }
    Bytes b;
    b.raw(len16(list));
    extension(exts, 0x0010, b);
  };
  auto versions = [&](std::initializer_list<unsigned> vs) {
    Bytes b;
    b.u8(unsigned(vs.size() * 2));
    for (unsigned v : vs) b.u16(v);
    extension(exts, 0x002b, b);
  };
  auto key_share = [&](bool pq) {
    Bytes shares;
    if (pq) {  // X25519MLKEM768: 1216-byte share
      shares.u16(0x11ec);
      shares.u16(1216);
      shares.fill(1216, 0x42);
    }
    shares.u16(0x001d);
    shares.u16(32);
    shares.fill(32, 0x17);
    Bytes b;
    b.raw(len16(shares));
    extension(exts, 0x0033, b);
  };
  Bytes ec_formats;
  ec_formats.u8(1);
  ec_formats.u8(0);
  switch (profile) {
    case TlsClientProfile::browser:
    case TlsClientProfile::browser_pq:
      extension(exts, 0x0017, Bytes{});
      extension(exts, 0xff01, [] { Bytes b; b.u8(0); return b; }());
      groups({0x2a2a, 0x001d, 0x0017, 0x0018});
      extension(exts, 0x000b, ec_formats);
      extension(exts, 0x0023, Bytes{});
      alpn({"h2", "http/1.1"});
      extension(exts, 0x0005, [] { Bytes b; b.u8(1); b.u16(0); b.u16(0); return b; }());
      sig_algs({0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601});
      extension(exts, 0x0012, Bytes{});
      key_share(profile == TlsClientProfile::browser_pq);
      extension(exts, 0x002d, [] { Bytes b; b.u8(1); b.u8(1); return b; }());
      versions({0x6a6a, 0x0304, 0x0303});
      extension(exts, 0x001b, [] { Bytes b; b.u8(2); b.u16(2); return b; }());
      extension(exts, 0x1a1a, [] { Bytes b; b.u8(0); return b; }());  // trailing GREASE
      break;
    case TlsClientProfile::go_implant:
      extension(exts, 0x0005, [] { Bytes b; b.u8(1); b.u16(0); b.u16(0); return b; }());
      groups({0x001d, 0x0017, 0x0018, 0x0019});
      extension(exts, 0x000b, ec_formats);
      sig_algs({0x0804, 0x0403, 0x0807, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0503, 0x0603, 0x0201, 0x0203});
      extension(exts, 0xff01, [] { Bytes b; b.u8(0); return b; }());
      extension(exts, 0x0012, Bytes{});
      alpn({"http/1.1"});
      versions({0x0304, 0x0303});
      key_share(false);
      break;
    case TlsClientProfile::old_bmc:
      // An embedded TLS 1.0 stack: SNI (when given) and nothing else.
      break;
  }
  Bytes hello;
  hello.u16(profile == TlsClientProfile::old_bmc ? 0x0301 : 0x0303);
  hello.fill(32, 0x5c);  // random: fixed bytes keep the capture deterministic
  hello.u8(profile == TlsClientProfile::old_bmc ? 0 : 32);
  if (profile != TlsClientProfile::old_bmc) hello.fill(32, 0x33);
  hello.raw(len16(ciphers));
  hello.u8(1);
  hello.u8(0);
  if (!exts.v.empty()) hello.raw(len16(exts));
  Bytes hs;
  hs.u8(1);
  hs.u24(unsigned(hello.v.size()));
  hs.raw(hello.v);
  if (hs.v.size() > 16384) throw std::runtime_error("ClientHello over one record");
  Bytes record;
  record.u8(0x16);
  record.u16(0x0301);
  record.raw(len16(hs));
  return record.v;
}

std::vector<std::uint8_t> http_get(const std::string& host, const std::string& path, const std::string& user_agent) {
  Bytes b;
  b.str("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: " + user_agent + "\r\nAccept: */*\r\n\r\n");
  return b.v;
}

}  // namespace sg::hunt
