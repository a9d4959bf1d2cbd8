// Which evidence category each collector source feeds. One table, read by the collectors (to tag
// what they could not read) and by snapshot reading (snapshots written before the tag existed).
#include <string>
#include <utility>

#include "supplyguard/attest/snapshot.hpp"

namespace sg::attest {

std::string evidence_category(const std::string& path) {
  static const std::pair<const char*, const char*> kSources[] = {
      {"sys/bus/pci", "pci"},
      {"sys/bus/usb", "usb"},
      {"sys/bus/i2c", "i2c"},
      {"sys/class/net", "net"},
      {"sys/block", "disk"},
      {"sys/firmware/dmi", "dmi"},
      {"sys/class/dmi", "dmi"},
      {"sys/devices/virtual/dmi", "dmi"},
      {"proc/modules", "modules"},
      {"lib/modules", "modules"},
      {"lib/firmware", "firmware"},
      {"sys/kernel/security/ima", "ima"},  // before the event log's prefix: first match wins
      {"sys/kernel/security", "eventlog"},
      {"sys/class/tpm", "eventlog"},
      {"proc/net", "host"},
      {"proc/sys/kernel", "host"},
      {"etc/hostname", "host"},
  };
  for (const auto& [prefix, category] : kSources) {
    const std::string p = prefix;
    if (path.compare(0, p.size(), p) == 0 && (path.size() == p.size() || path[p.size()] == '/')) return category;
  }
  return "";
}

}  // namespace sg::attest
