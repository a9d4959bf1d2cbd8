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

// What enrolment recorded for one host (one JSON file per host in the registry directory).
struct AkRecord {
  std::string host;
  Bytes ek_public;   // marshalled TPM2B_PUBLIC
  Bytes ak_public;   // marshalled TPM2B_PUBLIC
  Bytes ak_name;
  std::string enrolled_at;
  std::string ek_certificate;  // "verified against <ca>", "absent", "not checked (no --ek-ca)"
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

struct QuoteCheckOptions {
  std::optional<Bytes> nonce;  // the nonce this verifier issued; none: freshness not checked
  bool quote_expected = false; // the model's baseline was built from quoted snapshots
};

// quote_missing, ak_unregistered, quote_invalid, quote_stale, quote_pcr_mismatch (the event log
// or the IMA list does not replay to the quoted PCRs). Nothing for a sound quote.
std::vector<core::Finding> check_quote(const Snapshot& s, const AkRegistry& registry, const QuoteCheckOptions& o);

// Just the cryptographic part (for tests and the fuzzer): parses `attest`/`signature`, checks the
// signature under `ak_public`, and that the attested PCR digest is the digest of `pcr_values` in
// the selection's order. Returns "" when sound, else the reason; nonce in `extra_data`.
struct QuoteParts {
  Bytes extra_data;
  std::uint16_t pcr_alg = 0;
  std::vector<std::uint32_t> pcrs;
};
std::string verify_quote_signature(const Bytes& attest, const Bytes& signature, const Bytes& ak_public,
                                   const std::map<std::uint32_t, Bytes>& pcr_values, QuoteParts& parts);

}  // namespace sg::attest
