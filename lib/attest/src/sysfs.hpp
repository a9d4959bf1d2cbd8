#pragma once
// Reading a host tree relative to a root (live "/" or a captured copy), remembering every path
// that could not be read and why, so the snapshot says what it lacks instead of failing.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "supplyguard/attest/snapshot.hpp"

namespace sg::attest::detail {

class Tree {
 public:
  explicit Tree(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path abs(const std::string& rel) const { return root_ / rel; }

  // Small text file (sysfs attribute), trailing whitespace trimmed. Missing files are not
  // "unreadable" (an attribute a device does not have); a file that exists but cannot be read is.
  std::optional<std::string> text(const std::string& rel, bool note_missing = false);
  std::optional<std::string> binary(const std::string& rel, std::size_t max_bytes, bool note_missing = false);
  // Entries of a directory, sorted; nullopt (and noted) when the directory cannot be listed.
  std::optional<std::vector<std::string>> list(const std::string& rel, bool note_missing = true);
  // Last path element of a symlink's target ("igb" for driver -> ../../bus/pci/drivers/igb).
  std::optional<std::string> link_name(const std::string& rel);
  bool exists(const std::string& rel) const;

  void note(const std::string& rel, const std::string& why) { unreadable_.push_back({rel, why}); }
  std::vector<Unreadable>& unreadable() { return unreadable_; }

 private:
  std::filesystem::path root_;
  std::vector<Unreadable> unreadable_;
};

std::string trim(std::string s);

}  // namespace sg::attest::detail
