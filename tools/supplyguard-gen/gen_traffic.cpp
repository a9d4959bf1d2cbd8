// supplyguard-gen traffic: CLI for the hunt scenario generator (logic in lib/hunt/scenario).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "gen.hpp"
#include "supplyguard/core/time.hpp"
#include "supplyguard/gen/traffic.hpp"

namespace sg::gen {

void add_traffic(CLI::App& app, Action& action) {
  struct Opts {
    hunt::ScenarioConfig cfg;
    std::string out, truth, format = "pcap", linktype = "en10mb";
    bool no_plants = false;
    std::string start;
  };
  auto o = std::make_shared<Opts>();
  auto* sub = app.add_subcommand("traffic", "Generate a hunt capture (pcap/pcapng) with planted implant traffic");
  sub->add_option("--seed", o->cfg.seed, "Random seed (same seed, same bytes)");
  sub->add_option("--hosts", o->cfg.hosts, "Internal hosts (10.1.0.10 ...)")->check(CLI::Range(1, 40000));
  sub->add_option("--hours", o->cfg.hours, "Capture span in hours (fractions allowed)")->check(CLI::Range(0.001, 336.0));
  sub->add_option("-o,--output", o->out, "Capture file to write")->required();
  sub->add_option("--truth", o->truth, "Write the planted behaviours (ground truth) as JSON here");
  sub->add_option("--format", o->format, "pcap or pcapng")->check(CLI::IsMember({"pcap", "pcapng"}));
  // The names come from hunt's one link-layer table (the ones it can also write a frame for).
  sub->add_option("--linktype", o->linktype, "en10mb, sll, sll2, raw, null, loop, ppp, pppoe or mpls")
      ->check(CLI::IsMember({"en10mb", "ethernet", "sll", "sll2", "raw", "null", "loop", "ppp", "pppoe", "mpls"}));
  sub->add_option("--vlan", o->cfg.vlan, "Tag every frame with this 802.1Q VLAN id (en10mb only)")
      ->check(CLI::Range(1, 4094));
  sub->add_flag("--qinq", o->cfg.qinq, "With --vlan: add an outer 802.1ad tag (QinQ)");
  sub->add_flag("--no-plants", o->no_plants, "Only ordinary traffic (for false-positive checks)");
  sub->add_flag("--bmcs", o->cfg.bmcs, "Give every host a BMC (10.99.1.x) polled over Redfish by the admin host");
  sub->add_flag("--tls-names", o->cfg.tls_names,
                "Write TLS ClientHellos and HTTP requests (SNI/Host names, JA4), plus a CDN beacon named only by SNI and a BMC with a rare TLS stack");
  sub->add_option("--implant-bmc", o->cfg.implant_bmcs,
                  "Host index whose BMC beacons to the shared C2 (repeatable; fleet scenarios)");
  sub->add_option("--implant-c2", o->cfg.implant_c2, "The implanted BMCs' C2 address");
  sub->add_flag("--dense", o->cfg.dense, "Add continuous small-packet storage traffic (benchmarks)");
  sub->add_option("--start", o->start, "Capture start, ISO 8601 UTC (default 2026-11-02T08:00:00Z)");
  sub->add_option("--slow-beacon", o->cfg.slow_beacon_s,
                  "Add a beacon from host 1 to 203.0.113.201:443 every SECONDS, fixed in absolute time (consecutive "
                  "windows continue one series)")
      ->check(CLI::Range(10.0, 86400.0));
  sub->footer("Example:\n  supplyguard-gen traffic --seed 7 --hosts 20 --hours 2 -o cap.pcap --truth truth.json");
  sub->callback([&action, o] {
    action = [o] {
      o->cfg.format = o->format == "pcapng" ? hunt::CaptureFormat::pcapng : hunt::CaptureFormat::pcap;
      o->cfg.linktype = hunt::parse_linktype(o->linktype);
      o->cfg.plants = !o->no_plants;
      if (!o->start.empty()) {
        const auto t = core::parse_iso8601(o->start);
        if (!t) throw std::runtime_error("--start: not an ISO 8601 time: " + o->start);
        o->cfg.start = *t;
      }
      if (o->cfg.qinq && !o->cfg.vlan) throw std::runtime_error("--qinq needs --vlan");
      std::FILE* f = std::fopen(o->out.c_str(), "wb");
      if (!f) throw std::runtime_error("cannot write " + o->out);
      hunt::ScenarioTruth truth;
      try {
        truth = hunt::write_scenario(o->cfg, f);
      } catch (...) {
        std::fclose(f);
        throw;
      }
      if (std::fclose(f) != 0) throw std::runtime_error("cannot write " + o->out);
      if (!o->truth.empty()) {
        std::ofstream t(o->truth);
        t << hunt::truth_to_json(o->cfg, truth).dump(2) << "\n";
        if (!t) throw std::runtime_error("cannot write " + o->truth);
      }
      std::cerr << "supplyguard-gen traffic: " << o->out << ": " << truth.packets << " packets, " << truth.bytes
                << " bytes, " << truth.plants.size() << " planted behaviours\n";
      return 0;
    };
  });
}

}  // namespace sg::gen
