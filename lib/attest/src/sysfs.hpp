#pragma once
// Reading a host tree relative to a root (live "/" or a captured copy), remembering every path
// that could not be read and why, so the snapshot says what it lacks instead of failing.
#include <filesystem>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "supplyguard/attest/snapshot.hpp"

namespace sg::attest::detail {

class Tree {
 public:
  explicit Tree(std::filesystem::path root) : root_(std::move(root)) {}
  // rel under the root, with link stand-ins (below) followed in every element but the last
  // one; follow_last also follows the last element (a directory or a link being listed).
  std::filesystem::path abs(const std::string& rel, bool follow_last = false) const;

  // Small text file (sysfs attribute), trailing whitespace trimmed. Missing files are not
  // "unreadable" (an attribute a device does not have); a file that exists but cannot be read is.
  std::optional<std::string> text(const std::string& rel, bool note_missing = false);
  std::optional<std::string> binary(const std::string& rel, std::size_t max_bytes, bool note_missing = false);
  // Entries of a directory, sorted; nullopt (and noted) when the directory cannot be listed.
  std::optional<std::vector<std::string>> list(const std::string& rel, bool note_missing = true);
  // Last path element of a symlink's target ("igb" for driver -> ../../bus/pci/drivers/igb).
  std::optional<std::string> link_name(const std::string& rel);
  bool exists(const std::string& rel) const;

  // Captures copied without symlink support (git with core.symlinks=false, some archivers)
  // store each link as a small regular file holding its target ("../../devices/pci0000:00/...").
  // Such a stand-in is followed like the link it replaced when its target stays inside the root.
  std::optional<std::string> stand_in_target(const std::filesystem::path& file) const;

  void note(const std::string& rel, const std::string& why) {
    unreadable_.push_back({rel, why, evidence_category(rel), "", ""});
  }
  // Marks the gaps noted since `mark` (unreadable().size() before a read) as one attribute of
  // one component: that attribute is unknown, the rest of the category was read.
  void blame(std::size_t mark, const std::string& component, const std::string& attribute) {
    for (std::size_t i = mark; i < unreadable_.size(); ++i) {
      unreadable_[i].component = component;
      unreadable_[i].attribute = attribute;
    }
  }
  std::vector<Unreadable>& unreadable() { return unreadable_; }

 private:
  std::filesystem::path resolve_dir(const std::string& rel) const;
  std::filesystem::path root_;
  mutable std::unordered_map<std::string, std::filesystem::path> resolved_;  // rel dir -> resolved
  std::vector<Unreadable> unreadable_;
};

std::string trim(std::string s);

}  // namespace sg::attest::detail
