// Any byte string as an IMA runtime measurement list (binary or ASCII): parsed, re-encoded and
// replayed into both banks, or InputError with a byte offset inside the input; never a crash.
#include <cstdint>

#include "supplyguard/attest/ima.hpp"
#include "supplyguard/core/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sg::attest;
  try {
    const auto list = parse_ima_list({data, size}, "binary_runtime_measurements");
    for (auto alg : {kAlgSha1, kAlgSha256}) {
      const auto r = replay_ima(list, alg);
      if (!r) __builtin_trap();
      (void)match_ima_prefix(list, alg, r->pcr);
    }
    // What we write must read back (the snapshot stores entries as template data): any failure
    // here is a bug in our own encoder, not bad input.
    try {
      const auto again = parse_ima_binary(ima_to_binary(list), "re-encoded");
      if (again.entries.size() != list.entries.size()) __builtin_trap();
    } catch (...) {
      __builtin_trap();
    }
    for (const auto& e : list.entries) {
      try {
        (void)ima_entry_from_parts(e.pcr, e.template_hash, e.template_name, e.template_data, "parts");
      } catch (const sg::core::InputError&) {  // e.g. an "ima" name with a NUL inside: refused, fine
      }
    }
  } catch (const sg::core::InputError& e) {
    if (e.where().offset && *e.where().offset > size) __builtin_trap();
  }
  return 0;
}
