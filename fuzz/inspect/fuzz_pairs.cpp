// A --pairs file comes from outside: any byte string must parse into pairs and per-line errors
// (each naming its line and byte offset), never crash; every pair has two non-empty paths.
#include <cstdint>
#include <string_view>

#include "supplyguard/inspect/batch.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const sg::inspect::PairList l = sg::inspect::parse_pairs(text, "fuzz.tsv");
  for (const auto& p : l.pairs)
    if (p.golden.empty() || p.board.empty() || p.line == 0) __builtin_trap();
  for (const auto& e : l.errors)
    if (!e.where().line || !e.where().offset || *e.where().offset > size) __builtin_trap();
  return 0;
}
