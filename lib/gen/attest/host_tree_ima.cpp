// Generated hosts' IMA list and software-TPM state (supplyguard-gen host --ima / --tpm): the tree's
// kernel modules and firmware files measured as IMA would at load, and a TPM extended with exactly
// the tree's event log and IMA list, so its quote agrees with the evidence.
#include <algorithm>
#include <fstream>

#include "supplyguard/attest/eventlog.hpp"
#include "supplyguard/gen/host_tree.hpp"
#include "supplyguard/attest/ima.hpp"
#include "supplyguard/attest/tpm.hpp"
#include "supplyguard/core/error.hpp"

namespace sg::attest {
namespace fs = std::filesystem;

namespace {
constexpr const char* kBiosLog = "sys/kernel/security/tpm0/binary_bios_measurements";
constexpr const char* kImaAscii = "sys/kernel/security/ima/ascii_runtime_measurements";
constexpr const char* kImaBinary = "sys/kernel/security/ima/binary_runtime_measurements";

Bytes read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw core::InputError::in(p.string(), "cannot open");
  return Bytes(std::istreambuf_iterator<char>(in), {});
}
}  // namespace

ImaList write_ima_list(const fs::path& root) {
  ImaList list;
  // boot_aggregate: SHA-256 over PCRs 0-9 of the sha256 bank, as the kernel computes it.
  Bytes agg;
  const auto log = parse_event_log(read_bytes(root / kBiosLog), kBiosLog);
  const auto pcrs = replay(log);
  for (std::uint32_t i = 0; i < 10; ++i) {
    Bytes v(32, 0);
    if (auto b = pcrs.find(kAlgSha256); b != pcrs.end())
      if (auto it = b->second.find(i); it != b->second.end()) v = it->second;
    agg.insert(agg.end(), v.begin(), v.end());
  }
  list.entries.push_back(make_ima_ng_entry("boot_aggregate", kAlgSha256, sha256(agg)));
  std::vector<fs::path> files;
  for (const char* dir : {"lib/modules", "lib/firmware"}) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root / dir, ec); !ec && it != fs::recursive_directory_iterator(); ++it)
      if (it->is_regular_file() && !it->is_symlink()) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::string why;
    const auto d = sha256_file(f, why);
    if (!d) throw core::InputError::in(f.string(), why);
    list.entries.push_back(make_ima_ng_entry("/" + fs::relative(f, root).string(), kAlgSha256, *from_hex(d->sha256)));
  }
  fs::create_directories((root / kImaAscii).parent_path());
  std::ofstream(root / kImaAscii, std::ios::binary) << ima_to_ascii(list);
  const Bytes bin = ima_to_binary(list);
  std::ofstream(root / kImaBinary, std::ios::binary).write(reinterpret_cast<const char*>(bin.data()), std::streamsize(bin.size()));
  return list;
}

std::size_t extend_tpm_from_tree(Tpm& tpm, const fs::path& root) {
  const auto log = parse_event_log(read_bytes(root / kBiosLog), kBiosLog);
  if (const auto loc = log.pcr0_initial_locality(); loc != 0) {
    // PCR_Extend cannot put PCR 0 where a locality-3 Startup starts it: the TPM must have been
    // started from there (boot_tpm_from_tree).
    Bytes start(32, 0);
    start.back() = loc;
    if (tpm.read_pcrs(kAlgSha256, {0}).at(0) != start)
      throw std::runtime_error("the tree's event log starts PCR 0 at locality " + std::to_string(loc) +
                               " but the TPM's PCR 0 is not at that start value (start it with boot_tpm_from_tree)");
  }
  std::size_t n = 0;
  for (const auto& e : log.events) {
    if (e.type == kEvNoAction) continue;
    std::map<std::uint16_t, Bytes> d;
    for (const auto& x : e.digests) d[x.alg] = x.bytes;
    tpm.extend(e.pcr, d);
    ++n;
  }
  std::error_code ec;
  if (fs::exists(root / kImaBinary, ec)) {
    const auto ima = parse_ima_list(read_bytes(root / kImaBinary), kImaBinary);
    for (const auto& e : ima.entries) {
      tpm.extend(e.pcr, {{kAlgSha1, *ima_template_hash(e, kAlgSha1)}, {kAlgSha256, *ima_template_hash(e, kAlgSha256)}});
      ++n;
    }
  }
  return n;
}

}  // namespace sg::attest
