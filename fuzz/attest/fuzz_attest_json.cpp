// Any byte string as a snapshot and as a baseline: read (then verified against itself, replayed, signature
// checked, re-serialised) or refused with InputError; never a crash.
// The text is parsed once, as read_snapshot_text / read_baseline_text parse it (nlohmann::json),
// and both readers take that value: parsing twice was half the target's time. Text that does not
// parse goes through read_snapshot_text, so the syntax-error path (offset, message) still runs.
#include <cstdint>
#include <optional>
#include <string_view>

#include "supplyguard/attest/baseline.hpp"
#include "supplyguard/attest/verify.hpp"
#include "supplyguard/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto json = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    try {
      (void)sg::attest::read_snapshot_text(text, "snap.json");
      __builtin_trap();  // the parser refused it, so the reader must too
    } catch (const sg::core::InputError& e) {
      if (e.where().source != "snap.json") __builtin_trap();
    }
    return 0;
  }
  std::optional<sg::attest::Snapshot> snap;
  try {
    snap = sg::attest::snapshot_from_json(json, "snap.json");
    (void)sg::attest::to_json(*snap).dump();
    for (const auto& f : sg::attest::check_replay(*snap)) (void)sg::core::to_json_line(f);
    (void)sg::attest::verify_consensus({*snap, *snap});
    for (const auto& f : sg::attest::verify_snapshot(*snap, sg::attest::create_baseline({*snap}, {})))
      (void)sg::core::to_json_line(f);
  } catch (const sg::core::InputError&) {
  }
  try {
    const auto b = sg::attest::baseline_from_json(json, "golden.json");
    (void)sg::attest::check_signature(b, std::nullopt);
    (void)sg::attest::to_json(b).dump();
  } catch (const sg::core::InputError&) {
  }
  return 0;
}
