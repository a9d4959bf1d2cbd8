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

// The TCG default EK templates supplyguard creates (EK Credential Profile 2.x, low range).
enum class EkType { ecc_p256, rsa_2048 };

// One EK certificate NV index the TPM defines.
struct EkCertificateSlot {
  std::uint32_t nv_index = 0;
  std::string what;             // "RSA 2048 EK certificate (template L-1)"
  std::optional<EkType> type;   // the EK it certifies, when supplyguard can create that EK
  std::string unusable;         // why not, otherwise
  Bytes data;                   // the index's bytes
};

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
  // An EK from a TCG default template (EK Credential Profile, low range: L-1 RSA 2048, L-2 ECC NIST
  // P-256) and an ECDSA-P256/SHA-256 restricted signing AK, both primaries of the endorsement
  // hierarchy: the same TPM gives the same keys every time.
  Key endorsement_key(EkType type = EkType::ecc_p256);
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
  // Every EK certificate index of the EK Credential Profile the TPM defines (low range 0x01c00002,
  // 0x01c0000a; high range 0x01c00012-0x01c0001e), with the index's bytes as stored.
  std::vector<EkCertificateSlot> ek_certificates();
  // The contents of an NV index (its own auth if it has AUTHREAD, else the owner's empty auth).
  Bytes read_nv(std::uint32_t index);
  // TPM2_ReadClock: the TPM's clock and reset/restart counters now (unsigned: the enroller's view).
  ClockInfo read_clock();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Enrolment: EK and AK from `tpm`, the AK bound to the EK by credential activation, the EK
// certificate checked against `ek_ca` (PEM file) when given. Refuses (InputError) a host already
// registered with another EK. Returns the record written to `registry_dir`.
struct EnrollOptions {
  std::optional<std::filesystem::path> ek_ca;             // --ek-ca: verify the EK certificate chain
  std::optional<std::filesystem::path> ek_intermediates;  // --ek-intermediates: untrusted chain certificates
};
// `warnings` gets what the operator should know but does not stop enrolment (no --ek-ca with a
// certificate present, a certificate for an EK template supplyguard does not create).
AkRecord enroll(Tpm& tpm, const std::string& host, const std::filesystem::path& registry_dir, const EnrollOptions& o = {},
                std::vector<std::string>* warnings = nullptr);

// The EK whose certificate enrolment checks: the first slot whose template supplyguard can create
// (L-2 ECC P-256, then L-1 RSA 2048); nullptr when none (then the P-256 EK is used unchecked).
const EkCertificateSlot* usable_ek_certificate(const std::vector<EkCertificateSlot>& slots);

// The DER certificate inside an EK certificate NV index: the index may hold the certificate as is,
// padded, or behind the PC Client PTP header (0x10 0x01 0x00, u16 length). Throws InputError naming
// `source` and the byte offset when it holds no X.509 certificate.
Bytes ek_certificate_der(const Bytes& nv_data, const std::string& source);
// Checks the EK certificate (`nv_data` as read from the slot) against `ek_public` (marshalled
// TPM2B_PUBLIC: the certificate must certify exactly that key) and its chain against `ca_bundle`
// (PEM: the trusted root(s), and intermediates it may also hold; the chain must end at a
// self-signed root of the file) plus optional untrusted intermediates. Returns "" when sound, else
// the reason (naming the certificate's subject and issuer).
std::string check_ek_certificate(const Bytes& nv_data, const std::string& source, const Bytes& ek_public,
                                 const std::filesystem::path& ca_bundle,
                                 const std::optional<std::filesystem::path>& intermediates = std::nullopt);

struct Snapshot;
// The quote for a snapshot: PCRs 0-9, every PCR its event log extends, and 10 (IMA), in the
// sha256 bank (sha1 when the TPM has no sha256 bank), with `nonce` as qualifying data, by the AK.
QuoteEvidence quote_for_snapshot(Tpm& tpm, const Snapshot& s, const Bytes& nonce);

}  // namespace sg::attest
