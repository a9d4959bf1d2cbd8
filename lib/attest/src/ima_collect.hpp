#pragma once
#include <filesystem>

#include "supplyguard/attest/snapshot.hpp"

namespace sg::attest::detail {
// Reads the IMA list under `root` (binary form preferred: the exact bytes the kernel hashed) into
// s.ima. No list (IMA off, or no securityfs) leaves s.ima.present false; a list that cannot be
// read or parsed is added to s.unreadable with the reason.
void collect_ima(const std::filesystem::path& root, Snapshot& s);
}  // namespace sg::attest::detail
