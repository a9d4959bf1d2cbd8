#pragma once
// A TPM 2.0 reached through tpm2-tss (ESAPI over a TCTI: "device:/dev/tpmrm0",
// "swtpm:host=127.0.0.1,port=2321"). Used on the host side only: enrolment (EK, AK, credential
// activation), quotes, and for test hosts extending PCRs. Verification never needs one.
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "supplyguard/attest/digest.hpp"
#include "supplyguard/attest/quote.hpp"

namespace sg::attest {

class Tpm {
 public:
  // Throws std::runtime_error naming the TCTI and the tpm2-tss error when it cannot connect.
  explicit Tpm(const std::string& tcti);
  ~Tpm();
  Tpm(const Tpm&) = delete;
  Tpm& operator=(const Tpm&) = delete;

  struct Key {
    std::uint32_t handle = 0;  // ESYS_TR
    Bytes public_area;         // marshalled TPM2B_PUBLIC
    Bytes name;
  };
  // The TCG default EK (ECC NIST P-256, template L-2) and an ECDSA-P256/SHA-256 restricted signing
  // AK, both primaries of the endorsement hierarchy: the same TPM gives the same keys every time.
  Key endorsement_key();
  Key attestation_key();
  void flush(const Key& k);

  // TPM2_MakeCredential under a loaded copy of `ek_public` (the verifier's half; any TPM can do it).
  struct Credential {
    Bytes blob;    // marshalled TPM2B_ID_OBJECT
    Bytes secret;  // marshalled TPM2B_ENCRYPTED_SECRET
  };
  Credential make_credential(const Bytes& ek_public, const Bytes& ak_name, const Bytes& secret);
  // TPM2_ActivateCredential: recovers the secret only if `ak` and `ek` live in this TPM and the
  // credential was made for them. Throws std::runtime_error otherwise.
  Bytes activate_credential(const Key& ak, const Key& ek, const Credential& c);

  // TPM2_Quote over `pcrs` of bank `alg`, then the PCR values (re-read until they match the
  // attested digest, since PCR 10 moves while IMA measures).
  QuoteEvidence quote(const Key& ak, const Bytes& nonce, std::uint16_t alg, const std::vector<std::uint32_t>& pcrs);
  std::map<std::uint32_t, Bytes> read_pcrs(std::uint16_t alg, const std::vector<std::uint32_t>& pcrs);
  bool has_bank(std::uint16_t alg);
  // TPM2_PCR_Extend with one digest per bank.
  void extend(std::uint32_t pcr, const std::map<std::uint16_t, Bytes>& digests);
  // The EK certificate from its NV index (ECC: 0x01c0000a), DER; nullopt when not provisioned.
  std::optional<Bytes> ek_certificate();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Enrolment: EK and AK from `tpm`, the AK bound to the EK by credential activation, the EK
// certificate checked against `ek_ca` (PEM file) when given. Refuses (InputError) a host already
// registered with another EK. Returns the record written to `registry_dir`.
AkRecord enroll(Tpm& tpm, const std::string& host, const std::filesystem::path& registry_dir,
                const std::optional<std::filesystem::path>& ek_ca = std::nullopt);

struct Snapshot;
// The quote for a snapshot: PCRs 0-9, every PCR its event log extends, and 10 (IMA), in the
// sha256 bank (sha1 when the TPM has no sha256 bank), with `nonce` as qualifying data, by the AK.
QuoteEvidence quote_for_snapshot(Tpm& tpm, const Snapshot& s, const Bytes& nonce);

}  // namespace sg::attest
