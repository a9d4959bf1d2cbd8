#pragma once
// Addresses and networks. IPv4 is stored IPv4-mapped (::ffff:a.b.c.d) so one 16-byte type
// covers both families and hashes/compares without branching on the family.
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sg::hunt {

struct IpAddr {
  std::array<std::uint8_t, 16> b{};

  static IpAddr v4(const std::uint8_t* p) {
    IpAddr a;
    a.b[10] = 0xff;
    a.b[11] = 0xff;
    std::memcpy(&a.b[12], p, 4);
    return a;
  }
  static IpAddr v4(std::uint32_t host_order) {
    std::uint8_t p[4] = {std::uint8_t(host_order >> 24), std::uint8_t(host_order >> 16),
                         std::uint8_t(host_order >> 8), std::uint8_t(host_order)};
    return v4(p);
  }
  static IpAddr v6(const std::uint8_t* p) {
    IpAddr a;
    std::memcpy(a.b.data(), p, 16);
    return a;
  }
  bool is_v4() const {
    static constexpr std::uint8_t pre[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return std::memcmp(b.data(), pre, 12) == 0;
  }
  std::uint64_t hi() const { std::uint64_t x; std::memcpy(&x, b.data(), 8); return x; }
  std::uint64_t lo() const { std::uint64_t x; std::memcpy(&x, b.data() + 8, 8); return x; }
  // Word compares, not memcmp: these run per packet in the flow table.
  friend bool operator==(const IpAddr& x, const IpAddr& y) { return x.hi() == y.hi() && x.lo() == y.lo(); }
  friend bool operator<(const IpAddr& x, const IpAddr& y) {  // lexicographic on the bytes
    const std::uint64_t xh = __builtin_bswap64(x.hi()), yh = __builtin_bswap64(y.hi());
    if (xh != yh) return xh < yh;
    return __builtin_bswap64(x.lo()) < __builtin_bswap64(y.lo());
  }
  std::string str() const;
};

std::optional<IpAddr> parse_ip(std::string_view text);

struct IpHash {
  std::size_t operator()(const IpAddr& a) const noexcept {
    std::uint64_t h = a.hi() * 0x9E3779B97F4A7C15ULL ^ a.lo();
    h ^= h >> 29;
    h *= 0xBF58476D1CE4E5B9ULL;
    return static_cast<std::size_t>(h ^ (h >> 32));
  }
};

struct Cidr {
  IpAddr net;
  int prefix = 128;  // in the 128-bit space (IPv4 /24 is stored as /120)
  // Two masked 64-bit compares (runs several times per connection record: internal, mgmt).
  bool contains(const IpAddr& a) const {
    const int p = prefix < 0 ? 0 : prefix > 128 ? 128 : prefix;
    const std::uint64_t mhi = p >= 64 ? ~std::uint64_t(0) : p == 0 ? 0 : ~std::uint64_t(0) << (64 - p);
    const std::uint64_t mlo = p >= 128 ? ~std::uint64_t(0) : p <= 64 ? 0 : ~std::uint64_t(0) << (128 - p);
    return ((__builtin_bswap64(a.hi()) ^ __builtin_bswap64(net.hi())) & mhi) == 0 &&
           ((__builtin_bswap64(a.lo()) ^ __builtin_bswap64(net.lo())) & mlo) == 0;
  }
  std::string str() const;
};

// "10.0.0.0/8", "fd00::/8", or a bare address (a host route).
std::optional<Cidr> parse_cidr(std::string_view text);

class NetSet {
 public:
  void add(const Cidr& c) { nets_.push_back(c); }
  bool contains(const IpAddr& a) const {
    for (const auto& c : nets_)
      if (c.contains(a)) return true;
    return false;
  }
  bool empty() const { return nets_.empty(); }
  const std::vector<Cidr>& nets() const { return nets_; }

 private:
  std::vector<Cidr> nets_;
};

// RFC 1918 + IPv6 ULA (fc00::/7) + loopback/link-local: what "internal" means unless told.
NetSet default_internal_nets();

// Why an address can never be an "external destination" of a host (it is not a remote peer):
enum class NotDestination : std::uint8_t {
  no = 0,
  multicast,       // 224.0.0.0/4, ff00::/8: SSDP, LLMNR, mDNS, IGMP, router solicitations, ...
  broadcast,       // 255.255.255.255, and a subnet broadcast (below)
  link_local,      // 169.254.0.0/16, fe80::/10: never routed off the link
  unspecified,     // 0.0.0.0/8, ::: DHCP discovery and other "no address yet" sources/targets
};
// `src` and `proto` infer a subnet broadcast when no netmask is known: a UDP/ICMP packet to an
// IPv4 address whose low k >= 2 bits are all ones while src shares the remaining prefix (of
// /8 to /30) — the host is sending to its own subnet's broadcast. TCP is never broadcast.
// `nets` adds the broadcast addresses of known networks (e.g. --internal-net 10.1.2.0/24).
NotDestination not_a_destination(const IpAddr& dst, const IpAddr& src, std::uint8_t proto,
                                 const NetSet* nets = nullptr);
std::string_view not_destination_name(NotDestination why);

enum class Proto : std::uint8_t { icmp = 1, tcp = 6, udp = 17, icmp6 = 58, other = 255 };
std::string_view proto_name(std::uint8_t proto);
std::optional<std::uint8_t> parse_proto(std::string_view name);

}  // namespace sg::hunt
