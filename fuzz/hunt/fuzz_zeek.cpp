// Any byte string as a Zeek conn.log, open_conn.log, dns.log, ssl.log and http.log (names joined
// to conn lines by uid) (TSV or JSON lines, plain or
// gzip: seeds include .gz and a truncated .gz) must be read or raise
// InputError naming a line, never crash.
#include <cstdint>
#include <sstream>
#include <string>

#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/hunt.hpp"
#include "supplyguard/hunt/zeek.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  sg::hunt::HuntConfig cfg;
  cfg.beacon.min_callbacks = 3;
  cfg.dns_tunnel_min_unique = 1;
  sg::hunt::Analyzer analyzer(cfg);
  sg::hunt::ZeekNames names(4);  // small: the cap path too
  for (auto kind : {sg::hunt::ZeekLog::dns, sg::hunt::ZeekLog::ssl, sg::hunt::ZeekLog::http, sg::hunt::ZeekLog::conn,
                    sg::hunt::ZeekLog::open_conn}) {
    std::istringstream in(text);
    try {
      sg::hunt::read_zeek_log(in, kind, "fuzz.log", analyzer, &names);
    } catch (const sg::core::InputError& e) {
      if (!e.where().line) __builtin_trap();  // every Zeek error must name a line
    }
  }
  for (const auto& finding : analyzer.findings()) (void)sg::core::to_json_line(finding);
  return 0;
}
