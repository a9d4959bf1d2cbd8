// Any byte string as an ingest input (findings JSON lines or a snapshot): parsed, stored into an
// in-memory SQLite store, assessed and loaded back -- or rejected with an InputError naming the
// file. The same bytes as a spool file must be read or rejected naming the line.
#include <cstdint>
#include <string>

#include "spool.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/fleet/fleet.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    auto batch = sg::fleet::parse_input(text, "fuzz.jsonl");
    auto store = sg::fleet::Store::open("sqlite::memory:", {2});
    const auto st = store->store(batch);
    if (st.findings_added + st.findings_already_present != batch.findings.size()) __builtin_trap();
    const auto view = store->load_view();
    if (view.findings.size() != st.findings_added + view.correlations.size()) __builtin_trap();
    for (const auto& f : view.findings)
      if (f.host.empty()) __builtin_trap();  // never "": unowned addresses are their own host
  } catch (const sg::core::InputError& e) {
    if (e.where().source != "fuzz.jsonl") __builtin_trap();
  }
  try {
    for (const auto& b : sg::fleet::spool_parse(text, "spool.jsonl")) (void)b;
  } catch (const sg::core::InputError& e) {
    if (!e.where().line) __builtin_trap();
  }
  return 0;
}
