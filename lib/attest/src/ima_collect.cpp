#include "ima_collect.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "supplyguard/core/error.hpp"

namespace sg::attest::detail {

namespace {
constexpr std::size_t kMaxListBytes = std::size_t(512) << 20;  // ~2M entries; more is refused, said so
}

void collect_ima(const std::filesystem::path& root, Snapshot& s) {
  for (const char* rel : {"sys/kernel/security/ima/binary_runtime_measurements",
                          "sys/kernel/security/ima/ascii_runtime_measurements"}) {
    std::error_code ec;
    if (!std::filesystem::exists(root / rel, ec)) continue;
    std::ifstream in(root / rel, std::ios::binary);
    if (!in) {
      s.unreadable.push_back({rel, std::strerror(errno), evidence_category(rel), "", ""});
      return;
    }
    // securityfs reports size 0: read in chunks up to the bound.
    Bytes data;
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      data.insert(data.end(), buf, buf + in.gcount());
      if (data.size() > kMaxListBytes) {
        s.unreadable.push_back({rel, "larger than 512 MiB: not read (no partial list is kept)", evidence_category(rel), "", ""});
        return;
      }
    }
    try {
      s.ima.list = parse_ima_list(data, rel);
      s.ima.present = true;
      s.ima.source = rel;
    } catch (const core::InputError& e) {
      s.unreadable.push_back({rel, e.what(), evidence_category(rel), "", ""});
    }
    return;
  }
}

}  // namespace sg::attest::detail
