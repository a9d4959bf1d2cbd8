// Enrolment (Keylime's registrar handshake, in one process): the AK is accepted only after the TPM
// holding the EK proved, by ActivateCredential, that it also holds the AK. A credential made for
// (EK, AK name) can only be opened by that EK's TPM, and only for a loaded object with that name.
#include <openssl/rand.h>

#include <chrono>
#include <cstdio>

#include "supplyguard/attest/tpm.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/core/time.hpp"

namespace sg::attest {
namespace {
std::string hex_index(std::uint32_t i) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", i);
  return b;
}
}  // namespace

AkRecord enroll(Tpm& tpm, const std::string& host, const std::filesystem::path& registry_dir, const EnrollOptions& o,
                std::vector<std::string>* warnings) {
  auto warn = [&](const std::string& w) {
    if (warnings) warnings->push_back(w);
  };
  const auto registry = AkRegistry::load(registry_dir);
  // The EK is the one the TPM's certificate is for, so that the certificate can vouch for it; with no
  // usable certificate, the default ECC P-256 EK (then only trust on first use binds it).
  const auto slots = tpm.ek_certificates();
  const EkCertificateSlot* slot = usable_ek_certificate(slots);
  for (const auto& s : slots)
    if (!s.type)
      warn("the " + s.what + " at NV " + hex_index(s.nv_index) + " is not used: " + s.unusable);
  if (o.ek_ca && !slot) {
    if (slots.empty())
      throw core::InputError::in(o.ek_ca->string(),
                                 "--ek-ca given, but the TPM holds no EK certificate (NV 0x01c00002, 0x01c0000a and "
                                 "0x01c00012-0x01c0001e are undefined): the EK cannot be verified; enrol without --ek-ca to "
                                 "trust it on first use");
    throw core::InputError::in(o.ek_ca->string(), "--ek-ca given, but no EK certificate of the TPM is for an EK supplyguard can "
                                                  "create: " + slots.front().what + " at NV " + hex_index(slots.front().nv_index) +
                                                  ": " + slots.front().unusable);
  }
  const EkType ek_type = slot ? *slot->type : EkType::ecc_p256;
  const Tpm::Key ek = tpm.endorsement_key(ek_type);
  const Tpm::Key ak = tpm.attestation_key();
  struct Flush {
    Tpm& t;
    const Tpm::Key& k;
    ~Flush() { t.flush(k); }
  } f1{tpm, ek}, f2{tpm, ak};
  if (const AkRecord* old = registry.find(host); old && old->ek_public != ek.public_area)
    throw core::InputError::in(host, "already enrolled with another TPM (EK differs); remove " +
                                         (registry_dir / (host + ".json")).string() + " to re-enrol deliberately");
  if (auto why = ak_policy_problem(ak.public_area); !why.empty()) throw std::runtime_error(why);
  // The certificate first: a refused EK is not worth an activation.
  AkRecord rec;
  if (!slot) {
    rec.ek_certificate = "absent (the TPM holds no EK certificate supplyguard can check; EK trusted on first use)";
  } else if (!o.ek_ca) {
    rec.ek_certificate = "present at NV " + hex_index(slot->nv_index) + ", not checked (no --ek-ca)";
    warn("the TPM holds an " + slot->what + " at NV " + hex_index(slot->nv_index) +
         " but no --ek-ca was given: the EK is trusted on first use, not verified");
  } else {
    const std::string source = "EK certificate NV " + hex_index(slot->nv_index);
    if (auto why = check_ek_certificate(slot->data, source, ek.public_area, *o.ek_ca, o.ek_intermediates); !why.empty())
      throw core::InputError::in(o.ek_ca->string(), "EK refused: " + why);
    rec.ek_certificate = slot->what + " at NV " + hex_index(slot->nv_index) + " verified against " + o.ek_ca->filename().string();
  }
  // Registrar half (against the EK public only), then the TPM's half.
  Bytes secret(32);
  if (RAND_bytes(secret.data(), int(secret.size())) != 1) throw std::runtime_error("no randomness for the credential");
  const auto cred = tpm.make_credential(ek.public_area, ak.name, secret);
  if (tpm.activate_credential(ak, ek, cred) != secret)
    throw std::runtime_error("credential activation returned another secret: the AK is not bound to this EK");
  rec.host = host;
  rec.ek_public = ek.public_area;
  rec.ak_public = ak.public_area;
  rec.ak_name = ak.name;
  rec.enrolled_at = core::format_iso8601(std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count());
  rec.clock = tpm.read_clock();
  AkRegistry::store(registry_dir, rec);
  return rec;
}

}  // namespace sg::attest

#include <algorithm>
#include <set>

#include "supplyguard/attest/snapshot.hpp"

namespace sg::attest {

QuoteEvidence quote_for_snapshot(Tpm& tpm, const Snapshot& s, const Bytes& nonce) {
  std::set<std::uint32_t> pcrs;
  for (std::uint32_t i = 0; i <= kImaPcr; ++i) pcrs.insert(i);
  for (const auto& e : s.eventlog.events)
    if (e.pcr < 24) pcrs.insert(e.pcr);
  // sha256, unless the TPM or the event log only has sha1 (a legacy log cannot explain a sha256 bank).
  const bool log_sha1_only = s.eventlog.present && !s.eventlog.algorithms.empty() &&
                             std::find(s.eventlog.algorithms.begin(), s.eventlog.algorithms.end(), "sha256") == s.eventlog.algorithms.end();
  const std::uint16_t alg = tpm.has_bank(kAlgSha256) && !log_sha1_only ? kAlgSha256 : kAlgSha1;
  const Tpm::Key ak = tpm.attestation_key();
  try {
    auto q = tpm.quote(ak, nonce, alg, std::vector<std::uint32_t>(pcrs.begin(), pcrs.end()));
    tpm.flush(ak);
    return q;
  } catch (...) {
    tpm.flush(ak);
    throw;
  }
}

}  // namespace sg::attest
