// Any byte string as a hunt state file (--state DIR/hunt.state) must load or raise InputError
// naming an offset, never crash; a loaded state must run the detectors and save again.
#include <cstdint>
#include <string_view>

#include "supplyguard/core/error.hpp"
#include "supplyguard/hunt/hunt.hpp"
#include "supplyguard/hunt/sensor.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sg::hunt::HuntConfig cfg;
  cfg.beacon.min_callbacks = 3;
  cfg.max_pairs = 4096;          // the caps apply on load: a hostile count cannot grow the tables
  cfg.max_calls_per_pair = 256;
  sg::hunt::Analyzer analyzer(cfg);
  sg::hunt::ReportMemory memory;
  try {
    sg::hunt::decode_state(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.state", analyzer, memory);
  } catch (const sg::core::InputError& e) {
    if (!e.where().offset) __builtin_trap();  // every state error must name a byte offset
    return 0;
  }
  for (const auto& f : analyzer.findings()) (void)sg::core::to_json_line(f);
  (void)memory.news(analyzer.findings());
  (void)sg::hunt::encode_state(analyzer, memory);
  return 0;
}
