#include "supplyguard/attest/eventlog.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "supplyguard/core/error.hpp"

namespace sg::attest {
namespace {

using core::InputError;

// Bounds-checked little-endian reader over the log.
class EventLogReader {
 public:
  EventLogReader(std::span<const std::uint8_t> d, const std::string& src) : d_(d), src_(src) {}
  std::size_t pos() const { return pos_; }
  std::size_t left() const { return d_.size() - pos_; }
  void need(std::size_t n, const char* what) const {
    if (n > left())
      throw InputError::at_offset(src_, pos_, std::string("truncated event log: ") + what + " needs " +
                                                  std::to_string(n) + " bytes, " + std::to_string(left()) +
                                                  " left");
  }
  std::uint8_t u8(const char* what) {
    need(1, what);
    return d_[pos_++];
  }
  std::uint16_t u16(const char* what) {
    need(2, what);
    const std::uint16_t v = std::uint16_t(d_[pos_] | d_[pos_ + 1] << 8);
    pos_ += 2;
    return v;
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    const std::uint32_t v = std::uint32_t(d_[pos_]) | std::uint32_t(d_[pos_ + 1]) << 8 |
                            std::uint32_t(d_[pos_ + 2]) << 16 | std::uint32_t(d_[pos_ + 3]) << 24;
    pos_ += 4;
    return v;
  }
  Bytes bytes(std::size_t n, const char* what) {
    need(n, what);
    Bytes b(d_.begin() + long(pos_), d_.begin() + long(pos_ + n));
    pos_ += n;
    return b;
  }
  // True when only zero (or 0xFF) padding remains: firmware log areas are often padded.
  bool only_padding() const {
    // Stops at the first byte that rules both out (the next record's first bytes, normally), so
    // checking before every record stays linear over the log.
    bool zeros = true, ones = true;
    for (std::size_t i = pos_; i < d_.size() && (zeros || ones); ++i) {
      zeros &= d_[i] == 0;
      ones &= d_[i] == 0xFF;
    }
    return zeros || ones;
  }
  [[noreturn]] void fail(std::size_t at, const std::string& what) const { throw InputError::at_offset(src_, at, what); }

 private:
  std::span<const std::uint8_t> d_;
  const std::string& src_;
  std::size_t pos_ = 0;
};

constexpr char kSpecId[] = "Spec ID Event03";

TcgEvent read_sha1_event(EventLogReader& r) {
  TcgEvent e;
  e.offset = r.pos();
  e.pcr = r.u32("pcrIndex");
  e.type = r.u32("eventType");
  e.digests.push_back({kAlgSha1, r.bytes(20, "SHA-1 digest")});
  const std::uint32_t size = r.u32("eventSize");
  if (size > r.left()) r.fail(r.pos() - 4, "event size " + std::to_string(size) + " exceeds the " +
                                               std::to_string(r.left()) + " bytes left");
  e.data = r.bytes(size, "event data");
  return e;
}

}  // namespace

EventLog parse_event_log(std::span<const std::uint8_t> data, const std::string& source) {
  EventLogReader r(data, source);
  EventLog log;
  if (data.empty()) r.fail(0, "empty event log");
  TcgEvent header = read_sha1_event(r);
  const Bytes& hd = header.data;
  const bool spec_id = hd.size() >= 16 && std::memcmp(hd.data(), kSpecId, sizeof kSpecId) == 0;
  if (!spec_id) {
    // Legacy TPM 1.2 log: every record has the SHA-1 layout.
    log.algorithms.push_back({kAlgSha1, 20});
    log.events.push_back(std::move(header));
    while (r.left() && !r.only_padding()) log.events.push_back(read_sha1_event(r));
    for (const auto& e : log.events)
      if (e.type == kEvEfiHcrtmEvent && e.pcr == 0) log.hcrtm = true;
    return log;
  }
  log.crypto_agile = true;
  // TCG_EfiSpecIdEvent inside the header's data, at absolute offset header.offset + 32.
  const std::size_t base = header.offset + 32;
  EventLogReader s(hd, source);
  s.bytes(16, "Spec ID signature");
  s.u32("platformClass");
  s.u8("specVersionMinor");
  s.u8("specVersionMajor");
  s.u8("specErrata");
  s.u8("uintnSize");
  const std::size_t count_at = base + s.pos();
  const std::uint32_t n_algs = s.u32("numberOfAlgorithms");
  if (n_algs == 0 || n_algs > 16)
    r.fail(count_at, "Spec ID event declares " + std::to_string(n_algs) + " digest algorithms (1-16 allowed)");
  for (std::uint32_t i = 0; i < n_algs; ++i) {
    const std::size_t at = base + s.pos();
    if (s.left() < 4) r.fail(at, "Spec ID event truncated in its algorithm list");
    EventLog::AlgSize a{s.u16("algorithmId"), s.u16("digestSize")};
    if (a.size == 0 || a.size > 64) r.fail(at, "digest size " + std::to_string(a.size) + " for " + alg_name(a.alg));
    if (auto known = alg_size(a.alg); known && *known != a.size)
      r.fail(at, alg_name(a.alg) + " declared with digest size " + std::to_string(a.size) + ", must be " +
                     std::to_string(*known));
    for (const auto& prev : log.algorithms)
      if (prev.alg == a.alg) r.fail(at, "algorithm " + alg_name(a.alg) + " declared twice");
    log.algorithms.push_back(a);
  }
  log.spec_id_header = std::move(header);

  while (r.left()) {
    if (r.only_padding()) break;
    TcgEvent e;
    e.offset = r.pos();
    e.pcr = r.u32("pcrIndex");
    e.type = r.u32("eventType");
    const std::size_t count_at2 = r.pos();
    const std::uint32_t n = r.u32("digest count");
    if (n == 0 || n > log.algorithms.size())
      r.fail(count_at2, "event has " + std::to_string(n) + " digests, the Spec ID event declared " +
                            std::to_string(log.algorithms.size()) + " algorithms");
    for (std::uint32_t i = 0; i < n; ++i) {
      const std::size_t at = r.pos();
      const std::uint16_t alg = r.u16("digest algorithm");
      const EventLog::AlgSize* spec = nullptr;
      for (const auto& a : log.algorithms)
        if (a.alg == alg) spec = &a;
      if (!spec) r.fail(at, "digest algorithm " + alg_name(alg) + " not declared in the Spec ID event");
      if (e.digest(alg)) r.fail(at, "digest algorithm " + alg_name(alg) + " twice in one event");
      e.digests.push_back({alg, r.bytes(spec->size, "digest")});
    }
    const std::size_t size_at = r.pos();
    const std::uint32_t size = r.u32("eventSize");
    if (size > r.left())
      r.fail(size_at, "event size " + std::to_string(size) + " exceeds the " + std::to_string(r.left()) +
                          " bytes left");
    e.data = r.bytes(size, "event data");
    // StartupLocality (EV_NO_ACTION on PCR 0): "StartupLocality\0" then the locality byte.
    static constexpr char kLoc[] = "StartupLocality";
    if (e.type == kEvNoAction && e.pcr == 0 && e.data.size() == sizeof kLoc + 1 &&
        std::memcmp(e.data.data(), kLoc, sizeof kLoc) == 0)
      log.startup_locality = e.data.back();
    if (e.type == kEvEfiHcrtmEvent && e.pcr == 0) log.hcrtm = true;
    log.events.push_back(std::move(e));
  }
  return log;
}

PcrValues replay(const EventLog& log) {
  PcrValues out;
  for (const auto& a : log.algorithms) {
    if (!hash(a.alg, {})) continue;  // OpenSSL cannot compute this bank
    PcrBank bank;
    for (const auto& e : log.events) {
      if (e.type == kEvNoAction) continue;
      const TcgDigest* d = e.digest(a.alg);
      if (!d) continue;
      auto it = bank.find(e.pcr);
      if (it == bank.end()) {
        Bytes init(a.size, 0);
        if (e.pcr == 0) init.back() = log.pcr0_initial_locality();
        it = bank.emplace(e.pcr, std::move(init)).first;
      }
      Bytes cat = it->second;
      cat.insert(cat.end(), d->bytes.begin(), d->bytes.end());
      it->second = *hash(a.alg, cat);
    }
    out[a.alg] = std::move(bank);
  }
  return out;
}

std::string event_type_name(std::uint32_t type) {
  switch (type) {
    case 0x0: return "EV_PREBOOT_CERT";
    case 0x1: return "EV_POST_CODE";
    case 0x2: return "EV_UNUSED";
    case 0x3: return "EV_NO_ACTION";
    case 0x4: return "EV_SEPARATOR";
    case 0x5: return "EV_ACTION";
    case 0x6: return "EV_EVENT_TAG";
    case 0x7: return "EV_S_CRTM_CONTENTS";
    case 0x8: return "EV_S_CRTM_VERSION";
    case 0x9: return "EV_CPU_MICROCODE";
    case 0xA: return "EV_PLATFORM_CONFIG_FLAGS";
    case 0xB: return "EV_TABLE_OF_DEVICES";
    case 0xC: return "EV_COMPACT_HASH";
    case 0xD: return "EV_IPL";
    case 0xE: return "EV_IPL_PARTITION_DATA";
    case 0xF: return "EV_NONHOST_CODE";
    case 0x10: return "EV_NONHOST_CONFIG";
    case 0x11: return "EV_NONHOST_INFO";
    case 0x12: return "EV_OMIT_BOOT_DEVICE_EVENTS";
    case 0x80000001: return "EV_EFI_VARIABLE_DRIVER_CONFIG";
    case 0x80000002: return "EV_EFI_VARIABLE_BOOT";
    case 0x80000003: return "EV_EFI_BOOT_SERVICES_APPLICATION";
    case 0x80000004: return "EV_EFI_BOOT_SERVICES_DRIVER";
    case 0x80000005: return "EV_EFI_RUNTIME_SERVICES_DRIVER";
    case 0x80000006: return "EV_EFI_GPT_EVENT";
    case 0x80000007: return "EV_EFI_ACTION";
    case 0x80000008: return "EV_EFI_PLATFORM_FIRMWARE_BLOB";
    case 0x80000009: return "EV_EFI_HANDOFF_TABLES";
    case 0x8000000A: return "EV_EFI_PLATFORM_FIRMWARE_BLOB2";
    case 0x8000000B: return "EV_EFI_HANDOFF_TABLES2";
    case 0x800000E0: return "EV_EFI_VARIABLE_AUTHORITY";
    default: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%08x", type);
      return buf;
    }
  }
}

std::optional<std::uint32_t> event_type_from_name(const std::string& name) {
  if (name.size() == 10 && name.compare(0, 2, "0x") == 0) {
    char* end = nullptr;
    const unsigned long v = std::strtoul(name.c_str() + 2, &end, 16);
    if (*end == 0 && event_type_name(std::uint32_t(v)) == name) return std::uint32_t(v);
    return std::nullopt;
  }
  // Every named type: 0x0-0x12 and the EFI range.
  for (std::uint32_t base : {0x0u, 0x80000000u, 0x800000E0u})
    for (std::uint32_t t = base; t <= base + 0x12; ++t)
      if (event_type_name(t) == name) return t;
  return std::nullopt;
}

namespace {

constexpr std::size_t kHintMax = 64;
bool printable(std::uint8_t c) { return c >= 0x20 && c < 0x7f; }

// UTF-16LE text (EFI strings) up to a NUL or the end; "" unless every char is printable ASCII.
std::string utf16_text(std::span<const std::uint8_t> data) {
  std::string wide;
  for (std::size_t i = 0; i + 1 < data.size() && wide.size() < kHintMax; i += 2) {
    if (data[i] == 0 && data[i + 1] == 0) break;
    if (data[i + 1] != 0 || !printable(data[i])) return "";
    wide += char(data[i]);
  }
  return wide;
}

std::uint64_t le64(std::span<const std::uint8_t> d, std::size_t off) {
  std::uint64_t v = 0;
  for (int k = 7; k >= 0; --k) v = v << 8 | d[off + std::size_t(k)];
  return v;
}

// UEFI_VARIABLE_DATA (GUID, name length, data length, name, data) when the lengths add up
// exactly: the variable's name ("SecureBoot", "db").
std::string uefi_variable_name(std::span<const std::uint8_t> d) {
  if (d.size() < 32) return "";
  const std::uint64_t chars = le64(d, 16), bytes = le64(d, 24);
  if (chars == 0 || chars > kHintMax || bytes > d.size() || 32 + 2 * chars + bytes != d.size()) return "";
  const std::string name = utf16_text(d.subspan(32, std::size_t(2 * chars)));
  return name.size() == chars ? name : "";
}

// UEFI_IMAGE_LOAD_EVENT whose device path holds a media file-path node: the file's path.
std::string uefi_image_path(std::span<const std::uint8_t> d) {
  if (d.size() < 32 || le64(d, 24) != d.size() - 32) return "";
  for (std::size_t off = 32; off + 4 <= d.size();) {
    const std::size_t len = std::size_t(d[off + 2]) | std::size_t(d[off + 3]) << 8;
    if (len < 4 || off + len > d.size()) return "";
    if (d[off] == 0x04 && d[off + 1] == 0x04) return utf16_text(d.subspan(off + 4, len - 4));
    if (d[off] == 0x7F) return "";
    off += len;
  }
  return "";
}

}  // namespace

std::string event_data_hint(std::span<const std::uint8_t> data) {
  std::string ascii;
  for (std::size_t i = 0; i < data.size() && ascii.size() < kHintMax; ++i) {
    if (data[i] == 0) break;
    if (!printable(data[i])) {
      ascii.clear();
      break;
    }
    ascii += char(data[i]);
  }
  if (ascii.size() >= 4) return ascii;
  // Structured UEFI events are unambiguous even when short ("PK"); bare text needs 4 chars.
  for (const std::string& s : {uefi_variable_name(data), uefi_image_path(data)})
    if (!s.empty()) return s;
  const std::string wide = utf16_text(data);
  return wide.size() >= 4 ? wide : "";
}

}  // namespace sg::attest
