// Any byte string as a TCG event log: parsed and replayed, or InputError with a byte offset
// inside the input; never a crash, never unbounded memory.
#include <cstdint>

#include "supplyguard/attest/eventlog.hpp"
#include "supplyguard/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto log = sg::attest::parse_event_log({data, size}, "binary_bios_measurements");
    const auto pcrs = sg::attest::replay(log);
    for (const auto& e : log.events) (void)sg::attest::event_data_hint(e.data), (void)sg::attest::event_type_name(e.type);
    (void)pcrs;
  } catch (const sg::core::InputError& e) {
    if (!e.where().offset || *e.where().offset > size) __builtin_trap();
  }
  return 0;
}
