// --allow file format and its effect on detectors (new_destination, beacon, mgmt_egress).
#include <gtest/gtest.h>

#include <sstream>

#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/allow.hpp"
#include "supplyguard/hunt/hunt.hpp"

using namespace sg::hunt;

namespace {
Allowlist parse(const std::string& text) {
  std::istringstream in(text);
  return Allowlist::parse(in, "allow.txt");
}
IpAddr ip(const char* s) { return *parse_ip(s); }
}  // namespace

TEST(HuntAllow, CidrsAddressesNamesSuffixesAndPorts) {
  const auto a = parse(
      "# fleet egress policy\n"
      "203.0.113.0/24\n"
      "198.51.100.7:443   # only TLS\n"
      "[2001:db8::1]:443\n"
      "2001:db8:ff::/48\n"
      "updates.example.com\n"
      ".cdn.example.net:443\n"
      "\n");
  EXPECT_EQ(a.size(), 6u);
  EXPECT_TRUE(a.allows(ip("203.0.113.200"), "", 22));
  EXPECT_TRUE(a.allows(ip("198.51.100.7"), "", 443));
  EXPECT_FALSE(a.allows(ip("198.51.100.7"), "", 80));
  EXPECT_TRUE(a.allows(ip("2001:db8::1"), "", 443));
  EXPECT_FALSE(a.allows(ip("2001:db8::2"), "", 443));
  EXPECT_TRUE(a.allows(ip("2001:db8:ff::9"), "", 1));
  EXPECT_TRUE(a.allows(ip("192.0.2.1"), "updates.example.com", 80));
  EXPECT_FALSE(a.allows(ip("192.0.2.1"), "evil-updates.example.com", 80));
  EXPECT_TRUE(a.allows(ip("192.0.2.1"), "a.b.cdn.example.net", 443));
  EXPECT_TRUE(a.allows(ip("192.0.2.1"), "cdn.example.net", 443));
  EXPECT_FALSE(a.allows(ip("192.0.2.1"), "xcdn.example.net", 443));
  EXPECT_FALSE(a.allows(ip("192.0.2.1"), "a.cdn.example.net", 80));
}

TEST(HuntAllow, BadEntriesNameTheLine) {
  for (const auto& [text, line] : std::vector<std::pair<std::string, std::uint64_t>>{
           {"10.0.0.0/8\n10.0.0.0/33\n", 2}, {"host.example.com:http\n", 1}, {"[2001:db8::1\n", 1},
           {"# c\n\nbad name!\n", 3}, {"10.1.2.3:0\n", 1}}) {
    try {
      parse(text);
      ADD_FAILURE() << "accepted " << text;
    } catch (const sg::core::InputError& e) {
      EXPECT_EQ(e.where().line, line) << e.what();
      EXPECT_EQ(e.where().source, "allow.txt");
    }
  }
  EXPECT_THROW(Allowlist::load("/nonexistent/allow.txt"), sg::core::InputError);
}

TEST(HuntAllow, AllowedDestinationsAreNotReportedOthersAreNew) {
  HuntConfig cfg;
  cfg.mgmt.add(*parse_cidr("10.99.0.0/16"));
  cfg.allow = parse("198.51.100.0/24\n.example.org\n");
  cfg.have_allow = true;
  Analyzer a(cfg);
  DnsRecord d;
  d.client = ip("10.1.0.10");
  d.query = "mirror.example.org";
  d.answers = {ip("192.0.2.50")};
  a.on_dns(d);
  auto conn = [&](const char* src, const char* dst, std::uint16_t port, sg::core::Micros t) {
    ConnRecord c;
    c.ts = t;
    c.orig = ip(src);
    c.resp = ip(dst);
    c.resp_port = port;
    c.proto = 6;
    a.on_conn(c);
  };
  for (int i = 0; i < 20; ++i) {
    conn("10.1.0.10", "198.51.100.9", 443, i * 60'000'000LL);   // allowed network
    conn("10.1.0.10", "192.0.2.50", 443, i * 60'000'000LL);     // allowed by name
    conn("10.99.0.3", "198.51.100.9", 443, i * 60'000'000LL);   // BMC to an allowed place
  }
  conn("10.1.0.11", "203.0.113.9", 22, 0);                       // not allowed
  const auto fs = a.findings();
  ASSERT_EQ(fs.size(), 1u) << sg::core::to_json_line(fs.front());
  EXPECT_EQ(fs[0].type, "new_destination");
  EXPECT_EQ(fs[0].fields.value("dst", ""), "203.0.113.9");
  EXPECT_EQ(fs[0].fields.value("src", ""), "10.1.0.11");
}
