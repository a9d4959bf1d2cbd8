#pragma once
// Deterministic traffic scenarios with ground truth, for tests, demos and benchmarks: internal
// hosts doing web/TLS, DNS, NTP, updates, SSH and backups, plus (unless disabled) planted
// implant behaviour: a jittered beacon with missed callbacks, a beacon rotating over IPs behind
// one name, a BMC on the management net calling out, DNS tunnelling, an exfil burst and a
// long-lived outbound connection. Same seed and options -> byte-identical capture.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "supplyguard/core/time.hpp"

namespace sg::hunt {

enum class CaptureFormat { pcap, pcapng };

struct ScenarioConfig {
  std::uint64_t seed = 1;
  int hosts = 20;
  double hours = 2.0;
  CaptureFormat format = CaptureFormat::pcap;
  int linktype = 1;            // a link table entry (decode.hpp): DLT, or < 0 for PPPoE/MPLS over Ethernet
  std::uint16_t vlan = 0;      // Ethernet only: 802.1Q tag when non-zero
  bool qinq = false;           // with vlan: add an outer 802.1ad tag (id vlan+100)
  bool plants = true;
  bool dense = false;          // add continuous small-packet bulk traffic (benchmarks)
  core::Micros start = 1793606400'000'000;  // 2026-11-02T08:00:00Z
  // Fleet scenarios: every host also has a BMC (bmc_address(i)) that the admin workstation polls
  // over Redfish, and the BMCs of `implant_bmcs` (host indices) beacon to one shared C2 -- the
  // pattern of an implant added to many boards of one model. Off by default, so existing seeds
  // keep producing the same bytes.
  bool bmcs = false;
  std::vector<int> implant_bmcs;
  std::string implant_c2 = "203.0.113.66";
  // Application bytes: TLS connections start with a real ClientHello (browsers: SNI of the
  // site, a browser-like JA4; implants: a Go-like one) and the mirror updates with an HTTP GET
  // (Host, User-Agent). Adds two plants: a beacon to a CDN front named only by SNI (no DNS
  // lookup, address rotating over 8), its hello split over two segments; and a BMC on the
  // management net with an old TLS 1.0 stack nobody else uses (rare_tls_client). Off by
  // default, so existing seeds keep producing the same bytes.
  bool tls_names = false;
  // A slow beacon (e.g. 3600 s) from host 1 to 203.0.113.201:443, its callbacks at fixed points
  // of absolute time (k * period plus a jitter of up to ±5 % that depends on k only), so captures
  // generated for consecutive windows (start = start of the previous + its hours) continue one
  // series: the sensor soak benchmark feeds a week in daily chunks. 0 = off.
  double slow_beacon_s = 0;
};

// TLS client stacks the generator can write a ClientHello for.
enum class TlsClientProfile { browser, browser_pq, go_implant, old_bmc };
// A ClientHello record for `sni` (empty: no server_name extension). browser_pq adds a
// 1.2 KB post-quantum key share, so the hello needs two TCP segments.
std::vector<std::uint8_t> client_hello(const std::string& sni, TlsClientProfile profile);
// An HTTP/1.1 GET request head.
std::vector<std::uint8_t> http_get(const std::string& host, const std::string& path, const std::string& user_agent);

// The scenario's address plan, so inventories (fleet) can be written for a capture.
std::string host_address(int i);  // 10.1.x.y
std::string bmc_address(int i);   // 10.99.x.y, inside ScenarioTruth::mgmt_net

struct Plant {
  std::string type;            // finding type expected: beacon, mgmt_egress, dns_tunnel, exfil, long_connection
  std::string src, dst, dst_name;
  std::uint16_t dst_port = 0;
  std::string proto;
  std::string note;
};

struct ScenarioTruth {
  std::vector<Plant> plants;
  std::uint64_t packets = 0, bytes = 0;
  std::string mgmt_net = "10.99.0.0/16";
};

// Writes the capture to `out` (binary, caller closes). Throws std::runtime_error on write errors
// or an impossible option combination (e.g. VLAN tags on a non-Ethernet link type).
ScenarioTruth write_scenario(const ScenarioConfig& cfg, std::FILE* out);
nlohmann::json truth_to_json(const ScenarioConfig& cfg, const ScenarioTruth& truth);

// Link-type names used on the command line: en10mb, sll, sll2, raw.
inline constexpr int kUnknownLinkType = -1000;
// A link table name the generator can write (en10mb, linux_sll/sll, linux_sll2/sll2, raw, null,
// loop, ppp, pppoe, mpls); kUnknownLinkType otherwise.
int parse_linktype(const std::string& name);

}  // namespace sg::hunt
