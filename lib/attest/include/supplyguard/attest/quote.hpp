#pragma once
// TPM quotes: the evidence a compromised host cannot forge. The host's TPM signs (TPM2_Quote) its
// PCR values and the verifier's nonce with an attestation key (AK) that was bound to the TPM's
// endorsement key (EK) at enrolment by credential activation. Checking a quote needs no TPM:
// TPMS_ATTEST and TPMT_SIGNATURE are unmarshalled with libtss2-mu and the signature is checked with
// OpenSSL against the AK public recorded at enrolment (as tpm2_checkquote and Keylime do).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "supplyguard/attest/digest.hpp"
#include "supplyguard/core/finding.hpp"

namespace sg::attest {

struct Snapshot;

// The `quote` section of a snapshot. Binary TPM structures are kept exactly as the TPM produced
// them (hex), so the verifier checks the bytes that were signed.
struct QuoteEvidence {
  std::string nonce;                             // hex, the qualifying data asked for
  std::string pcr_alg;                           // bank quoted: "sha256" (or "sha1")
  std::vector<std::uint32_t> pcrs;               // the selection, ascending
  std::map<std::uint32_t, std::string> pcr_values;  // hex, read right after the quote
  std::string attest;                            // hex, TPMS_ATTEST (the TPM2B_ATTEST body)
  std::string signature;                         // hex, marshalled TPMT_SIGNATURE
  std::string ak_name;                           // hex, the AK's TPM name (claimed; the registry decides)
  std::string error;                             // why no quote could be taken ("" when taken)
};

// TPMS_CLOCK_INFO, from a quote's TPMS_ATTEST or TPM2_ReadClock: the TPM's own account of reboots.
// resetCount counts TPM Resets (Startup(CLEAR) after a reboot or power loss), restartCount the
// Restarts/Resumes (hibernate, S3) since the last reset (it returns to 0 on a reset); clock is the
// milliseconds the TPM has been powered, saved to NV now and then, so after a power loss it may
// resume from an earlier value, and then safe is false.
struct ClockInfo {
  std::uint64_t clock = 0;
  std::uint32_t reset_count = 0;
  std::uint32_t restart_count = 0;
  bool safe = true;
  bool operator==(const ClockInfo&) const = default;
};

// What enrolment recorded for one host (one JSON file per host in the registry directory).
struct AkRecord {
  std::string host;
  Bytes ek_public;   // marshalled TPM2B_PUBLIC
  Bytes ak_public;   // marshalled TPM2B_PUBLIC
  Bytes ak_name;
  std::string enrolled_at;
  std::string ek_certificate;  // "verified against <ca>", "absent", "not checked (no --ek-ca)"
  std::optional<ClockInfo> clock;  // the TPM's clock at enrolment (the first point of its history)
};

class AkRegistry {
 public:
  // Reads every <host>.json under `dir` (a missing directory is an empty registry).
  static AkRegistry load(const std::filesystem::path& dir);
  const AkRecord* find(const std::string& host) const;
  // Writes dir/<host>.json atomically.
  static void store(const std::filesystem::path& dir, const AkRecord& record);
  std::size_t size() const { return records_.size(); }

 private:
  std::map<std::string, AkRecord> records_;
};

// A restricted signing key that never leaves its TPM: what a registrar must insist on, since a
// non-restricted key could sign a forged TPMS_ATTEST. Returns "" when acceptable, else why not.
std::string ak_policy_problem(const Bytes& ak_public);
// The TPM name of a public area: nameAlg || H_nameAlg(TPMT_PUBLIC). nullopt when malformed.
std::optional<Bytes> tpm_name(const Bytes& tpm2b_public);

// How a TPM's clock moved between two points of its history (TPM 2.0 Part 1, 36 "Timing"; the
// counters only grow, except that TPM2_Clear zeroes both and a reset zeroes restartCount).
enum class ClockChange {
  same_boot,  // same counters, clock not behind
  reboot,     // resetCount grew: TPM Reset (a reboot, or the TPM alone reset)
  resume,     // restartCount grew, same resetCount: TPM Restart/Resume (hibernate, suspend)
  rollback,   // a counter, or the clock within one boot, went backwards: an old quote or restored TPM state
};
struct ClockVerdict {
  ClockChange change = ClockChange::same_boot;
  std::string why;  // for reboot/resume/rollback: what moved, in words
};
ClockVerdict compare_clock(const ClockInfo& before, const ClockInfo& now);

// The last point of each host's TPM clock history the verifier accepted: at enrolment (the
// registry) or in the last sound quote (DIR/quote-state/<host>.json, written by verify).
struct ClockMark {
  ClockInfo clock;
  std::string seen;  // "enrolment <time>" or "quote of <collected_at>"
};
std::map<std::string, ClockMark> load_clock_marks(const std::filesystem::path& registry_dir);
void store_clock_mark(const std::filesystem::path& registry_dir, const std::string& host, const ClockMark& mark);

struct QuoteCheckOptions {
  std::optional<Bytes> nonce;  // the nonce this verifier issued; none: freshness not checked
  bool quote_expected = false; // the model's baseline was built from quoted snapshots
};

// quote_missing, ak_unregistered, quote_invalid, quote_stale, quote_pcr_mismatch (the event log
// or the IMA list does not replay to the quoted PCRs). Nothing for a sound quote. Thread-safe.
std::vector<core::Finding> check_quote(const Snapshot& s, const AkRegistry& registry, const QuoteCheckOptions& o);

// The clock history is checked apart, in the order the quotes were taken or given (check_quote runs
// on many snapshots at once): quote_clock() is the clockInfo of a quote that verifies under the
// host's registered AK (nullopt otherwise; check_quote reports why), check_clock_history() compares
// it with the host's last mark (else its enrolment clock): tpm_reboot (info) when the TPM was reset
// or resumed, tpm_clock_rollback (high) when its history went backwards. A fresh quote (this
// verifier's nonce, or none asked) that is not a rollback becomes the host's new mark.
struct QuoteClock {
  std::string host, model, collected_at;
  ClockInfo clock;
  bool fresh = false;
};
std::optional<QuoteClock> quote_clock(const Snapshot& s, const AkRegistry& registry, const QuoteCheckOptions& o);
std::vector<core::Finding> check_clock_history(const QuoteClock& q, const AkRegistry& registry,
                                               std::map<std::string, ClockMark>& marks);

// Just the cryptographic part (for tests and the fuzzer): parses `attest`/`signature`, checks the
// signature under `ak_public`, and that the attested PCR digest is the digest of `pcr_values` in
// the selection's order. Returns "" when sound, else the reason; nonce in `extra_data`.
struct QuoteParts {
  Bytes extra_data;
  ClockInfo clock;
  std::uint16_t pcr_alg = 0;
  std::vector<std::uint32_t> pcrs;
};
std::string verify_quote_signature(const Bytes& attest, const Bytes& signature, const Bytes& ak_public,
                                   const std::map<std::uint32_t, Bytes>& pcr_values, QuoteParts& parts);

}  // namespace sg::attest
