// Any byte string as a snapshot and as a baseline: read (then verified against itself, replayed, signature
// checked, re-serialised) or refused with InputError; never a crash.
#include <cstdint>
#include <string_view>

#include "supplyguard/attest/baseline.hpp"
#include "supplyguard/attest/verify.hpp"
#include "supplyguard/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::optional<sg::attest::Snapshot> snap;
  try {
    snap = sg::attest::read_snapshot_text(text, "snap.json");
    (void)sg::attest::to_json(*snap).dump();
    for (const auto& f : sg::attest::check_replay(*snap)) (void)sg::core::to_json_line(f);
    (void)sg::attest::verify_consensus({*snap, *snap});
    for (const auto& f : sg::attest::verify_snapshot(*snap, sg::attest::create_baseline({*snap}, {})))
      (void)sg::core::to_json_line(f);
  } catch (const sg::core::InputError&) {
  }
  try {
    const auto b = sg::attest::read_baseline_text(text, "golden.json");
    (void)sg::attest::check_signature(b, std::nullopt);
    (void)sg::attest::to_json(b).dump();
  } catch (const sg::core::InputError&) {
  }
  return 0;
}
