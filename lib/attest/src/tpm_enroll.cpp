// Enrolment (Keylime's registrar handshake, in one process): the AK is accepted only after the TPM
// holding the EK proved, by ActivateCredential, that it also holds the AK. A credential made for
// (EK, AK name) can only be opened by that EK's TPM, and only for a loaded object with that name.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <memory>

#include "supplyguard/attest/tpm.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/core/time.hpp"

#include <chrono>
#include <tss2/tss2_mu.h>

namespace sg::attest {
namespace {

// Verifies the EK certificate (DER from the TPM's NV) against the CA certificates in `ca_pem` and
// that it certifies this EK. Returns "" when sound, else the reason.
std::string check_ek_certificate(const Bytes& der, const std::filesystem::path& ca_pem, const Bytes& ek_public_point) {
  const unsigned char* p = der.data();
  std::unique_ptr<X509, decltype(&X509_free)> cert(d2i_X509(nullptr, &p, long(der.size())), X509_free);
  if (!cert) return "the EK certificate in the TPM is not DER X.509";
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  if (X509_STORE_load_file(store.get(), ca_pem.c_str()) != 1) return ca_pem.string() + ": no CA certificate could be read";
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  // EK certificates carry a critical subjectAltName of TPM manufacturer attributes OpenSSL does not
  // know; the chain and signatures are what matter here.
  X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_IGNORE_CRITICAL);
  if (X509_verify_cert(ctx.get()) != 1)
    return std::string("EK certificate chain does not verify: ") + X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  EVP_PKEY* key = X509_get0_pubkey(cert.get());
  unsigned char buf[200];
  std::size_t len = 0;
  if (!key || EVP_PKEY_get_octet_string_param(key, "encoded-pub-key", buf, sizeof(buf), &len) != 1 ||
      Bytes(buf, buf + len) != ek_public_point)
    return "EK certificate is for another key than this TPM's EK";
  return "";
}

}  // namespace

AkRecord enroll(Tpm& tpm, const std::string& host, const std::filesystem::path& registry_dir,
                const std::optional<std::filesystem::path>& ek_ca) {
  const auto registry = AkRegistry::load(registry_dir);
  const Tpm::Key ek = tpm.endorsement_key();
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
  // Registrar half (against the EK public only), then the TPM's half.
  Bytes secret(32);
  if (RAND_bytes(secret.data(), int(secret.size())) != 1) throw std::runtime_error("no randomness for the credential");
  const auto cred = tpm.make_credential(ek.public_area, ak.name, secret);
  if (tpm.activate_credential(ak, ek, cred) != secret)
    throw std::runtime_error("credential activation returned another secret: the AK is not bound to this EK");
  AkRecord rec;
  rec.host = host;
  rec.ek_public = ek.public_area;
  rec.ak_public = ak.public_area;
  rec.ak_name = ak.name;
  rec.enrolled_at = core::format_iso8601(std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch()).count());
  const auto cert = tpm.ek_certificate();
  if (!cert) {
    rec.ek_certificate = "absent (the TPM holds no EK certificate)";
  } else if (!ek_ca) {
    rec.ek_certificate = "present, not checked (no --ek-ca)";
  } else {
    // The EK's uncompressed point, as OpenSSL encodes the certificate's key.
    TPM2B_PUBLIC pub{};
    std::size_t off = 0;
    if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(ek.public_area.data(), ek.public_area.size(), &off, &pub) != TSS2_RC_SUCCESS)
      throw std::runtime_error("EK public does not unmarshal");
    const auto& u = pub.publicArea.unique.ecc;
    Bytes point = {0x04};
    point.insert(point.end(), u.x.buffer, u.x.buffer + u.x.size);
    point.insert(point.end(), u.y.buffer, u.y.buffer + u.y.size);
    if (auto why = check_ek_certificate(*cert, *ek_ca, point); !why.empty()) throw core::InputError::in(ek_ca->string(), why);
    rec.ek_certificate = "verified against " + ek_ca->filename().string();
  }
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
