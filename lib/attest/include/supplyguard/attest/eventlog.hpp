#pragma once
// TCG PC Client firmware event log (binary_bios_measurements): the SHA-1 format header event
// (TCG_PCClientPCREvent, carrying "Spec ID Event03" with the digest algorithms and sizes), then
// crypto-agile TCG_PCR_EVENT2 records. A log without the Spec ID event is read as the legacy
// SHA-1-only format (TPM 1.2). Every size and count is checked against the bytes left and the
// algorithms the Spec ID event declared; a bad one raises core::InputError(file, byte offset).
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "supplyguard/attest/digest.hpp"

namespace sg::attest {

inline constexpr std::uint32_t kEvNoAction = 0x3;
inline constexpr std::uint32_t kEvSeparator = 0x4;
inline constexpr std::uint32_t kEvEfiHcrtmEvent = 0x80000010;

struct TcgDigest {
  std::uint16_t alg = 0;
  Bytes bytes;
};

struct TcgEvent {
  std::uint64_t offset = 0;  // byte offset of the record in the log
  std::uint32_t pcr = 0;
  std::uint32_t type = 0;
  std::vector<TcgDigest> digests;
  Bytes data;
  const TcgDigest* digest(std::uint16_t alg) const {
    for (const auto& d : digests)
      if (d.alg == alg) return &d;
    return nullptr;
  }
};

struct EventLog {
  bool crypto_agile = false;
  struct AlgSize {
    std::uint16_t alg;
    std::uint16_t size;
  };
  std::vector<AlgSize> algorithms;  // from the Spec ID event ({sha1,20} for a legacy log)
  // Every measurement record of the file, in order. The Spec ID header of a crypto-agile log is
  // not a measurement and is kept apart; a legacy (TPM 1.2) log has no header, so its first
  // record (EV_S_CRTM_VERSION, usually) is events[0] and is extended like any other.
  std::vector<TcgEvent> events;
  std::optional<TcgEvent> spec_id_header;
  std::uint8_t startup_locality = 0;
  bool hcrtm = false;  // an EV_EFI_HCRTM_EVENT is logged: PCR 0 was started from locality 4
  // Record number in the file (the header, when present, is record 0).
  std::uint32_t record_number(std::size_t event_index) const {
    return std::uint32_t(event_index + (spec_id_header ? 1 : 0));
  }
  // The value PCR 0 holds before the first extend: 0...0L where L is the locality the
  // platform started from (H-CRTM: 4; else the StartupLocality event's value, default 0).
  std::uint8_t pcr0_initial_locality() const { return hcrtm && startup_locality == 0 ? 4 : startup_locality; }
};

// alg -> PCR index -> value
using PcrBank = std::map<std::uint32_t, Bytes>;
using PcrValues = std::map<std::uint16_t, PcrBank>;

EventLog parse_event_log(std::span<const std::uint8_t> data, const std::string& source);

// Replays every bank OpenSSL can compute: PCR = H(PCR || digest) from zeros, except PCR 0 which
// starts at pcr0_initial_locality(); EV_NO_ACTION events (and the header) are not extended.
// Only PCRs that received at least one extend appear in the result.
PcrValues replay(const EventLog& log);

std::string event_type_name(std::uint32_t type);  // "EV_POST_CODE", or "0x%08x"
// The inverse of event_type_name (nullopt for text it never produces).
std::optional<std::uint32_t> event_type_from_name(const std::string& name);
// A short human hint of the event data: a UEFI variable's name, a loaded image's file path,
// or printable ASCII (or UTF-16LE) text; else "".
std::string event_data_hint(std::span<const std::uint8_t> data);

}  // namespace sg::attest
