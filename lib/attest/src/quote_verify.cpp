// Verifier side of quotes: no TPM needed. libtss2-mu reads the TPM structures, OpenSSL checks the
// signature; then the quoted PCRs are compared with what the snapshot's event log and IMA list
// replay to (the same replay as collection: eventlog.cpp's replay(), ima.cpp's replay).
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include <cstring>
#include <memory>
#include <set>

#include <tss2/tss2_mu.h>

#include "supplyguard/attest/eventlog.hpp"
#include "supplyguard/attest/quote.hpp"
#include "supplyguard/attest/snapshot.hpp"

namespace sg::attest {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

const char* md_name(std::uint16_t alg) {
  switch (alg) {
    case kAlgSha1: return "SHA1";
    case kAlgSha256: return "SHA256";
    case kAlgSha384: return "SHA384";
    case kAlgSha512: return "SHA512";
    default: return nullptr;
  }
}

bool unmarshal_public(const Bytes& b, TPM2B_PUBLIC& p) {
  std::size_t off = 0;
  p = TPM2B_PUBLIC{};
  return Tss2_MU_TPM2B_PUBLIC_Unmarshal(b.data(), b.size(), &off, &p) == TSS2_RC_SUCCESS && off == b.size();
}

// The AK as an OpenSSL public key: ECC (NIST P-256/384) or RSA.
PkeyPtr to_pkey(const TPMT_PUBLIC& pub, std::string& why) {
  std::unique_ptr<OSSL_PARAM_BLD, Deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>> bld(OSSL_PARAM_BLD_new());
  std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>> n, e;
  Bytes point;
  const char* type = nullptr;
  if (pub.type == TPM2_ALG_ECC) {
    const char* group = nullptr;
    std::size_t size = 0;
    switch (pub.parameters.eccDetail.curveID) {
      case TPM2_ECC_NIST_P256: group = "prime256v1", size = 32; break;
      case TPM2_ECC_NIST_P384: group = "secp384r1", size = 48; break;
      default: why = "AK curve is not NIST P-256/P-384"; return nullptr;
    }
    const auto& x = pub.unique.ecc.x;
    const auto& y = pub.unique.ecc.y;
    if (x.size > size || y.size > size) { why = "AK point larger than its curve"; return nullptr; }
    point.assign(1 + 2 * size, 0);
    point[0] = 0x04;
    std::memcpy(point.data() + 1 + size - x.size, x.buffer, x.size);
    std::memcpy(point.data() + 1 + 2 * size - y.size, y.buffer, y.size);
    OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    type = "EC";
  } else if (pub.type == TPM2_ALG_RSA) {
    n.reset(BN_bin2bn(pub.unique.rsa.buffer, pub.unique.rsa.size, nullptr));
    e.reset(BN_new());
    BN_set_word(e.get(), pub.parameters.rsaDetail.exponent ? pub.parameters.rsaDetail.exponent : 65537);
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get());
    OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get());
    type = "RSA";
  } else {
    why = "AK is neither ECC nor RSA";
    return nullptr;
  }
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld.get());
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 || EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
    why = "AK public key is not a valid key";
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  return PkeyPtr(pkey);
}

bool verify_signature(EVP_PKEY* key, const TPMT_SIGNATURE& sig, const Bytes& msg, std::string& why) {
  std::uint16_t halg = 0;
  Bytes der;
  int padding = 0;
  switch (sig.sigAlg) {
    case TPM2_ALG_ECDSA: {
      halg = sig.signature.ecdsa.hash;
      ECDSA_SIG* s = ECDSA_SIG_new();
      ECDSA_SIG_set0(s, BN_bin2bn(sig.signature.ecdsa.signatureR.buffer, sig.signature.ecdsa.signatureR.size, nullptr),
                     BN_bin2bn(sig.signature.ecdsa.signatureS.buffer, sig.signature.ecdsa.signatureS.size, nullptr));
      unsigned char* p = nullptr;
      const int len = i2d_ECDSA_SIG(s, &p);
      if (len > 0) der.assign(p, p + len);
      OPENSSL_free(p);
      ECDSA_SIG_free(s);
      break;
    }
    case TPM2_ALG_RSASSA:
    case TPM2_ALG_RSAPSS:
      halg = sig.signature.rsassa.hash;
      der.assign(sig.signature.rsassa.sig.buffer, sig.signature.rsassa.sig.buffer + sig.signature.rsassa.sig.size);
      padding = sig.sigAlg == TPM2_ALG_RSAPSS ? RSA_PKCS1_PSS_PADDING : RSA_PKCS1_PADDING;
      break;
    default:
      why = "signature scheme " + std::to_string(sig.sigAlg) + " is not ECDSA, RSASSA or RSAPSS";
      return false;
  }
  const char* md = md_name(halg);
  if (!md) { why = "signature hash " + alg_name(halg) + " not supported"; return false; }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  bool ok = EVP_DigestVerifyInit_ex(ctx, &pctx, md, nullptr, nullptr, key, nullptr) > 0;
  if (ok && padding) {
    ok = EVP_PKEY_CTX_set_rsa_padding(pctx, padding) > 0;
    if (ok && padding == RSA_PKCS1_PSS_PADDING) ok = EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) > 0;
  }
  ok = ok && EVP_DigestVerify(ctx, der.data(), der.size(), msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok) why = "signature does not verify under the AK";
  return ok;
}

}  // namespace

namespace detail {
EVP_PKEY* public_key_of(const Bytes& tpm2b_public, std::string& why) {
  TPM2B_PUBLIC p;
  if (!unmarshal_public(tpm2b_public, p)) {
    why = "not a marshalled TPM2B_PUBLIC";
    return nullptr;
  }
  return to_pkey(p.publicArea, why).release();
}
}  // namespace detail

std::optional<Bytes> tpm_name(const Bytes& tpm2b_public) {
  TPM2B_PUBLIC p;
  if (!unmarshal_public(tpm2b_public, p)) return std::nullopt;
  Bytes area(sizeof(TPMT_PUBLIC) + 16);
  std::size_t off = 0;
  if (Tss2_MU_TPMT_PUBLIC_Marshal(&p.publicArea, area.data(), area.size(), &off) != TSS2_RC_SUCCESS) return std::nullopt;
  area.resize(off);
  auto h = hash(p.publicArea.nameAlg, area);
  if (!h) return std::nullopt;
  Bytes name = {std::uint8_t(p.publicArea.nameAlg >> 8), std::uint8_t(p.publicArea.nameAlg)};
  name.insert(name.end(), h->begin(), h->end());
  return name;
}

std::string ak_policy_problem(const Bytes& ak_public) {
  TPM2B_PUBLIC p;
  if (!unmarshal_public(ak_public, p)) return "AK public is not a marshalled TPM2B_PUBLIC";
  const auto a = p.publicArea.objectAttributes;
  const TPMA_OBJECT need = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                           TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
  if ((a & need) != need) return "AK is not a restricted signing key generated in and fixed to its TPM";
  if (a & TPMA_OBJECT_DECRYPT) return "AK is also a decryption key";
  std::string why;
  if (!to_pkey(p.publicArea, why)) return why;
  return "";
}

std::string verify_quote_signature(const Bytes& attest, const Bytes& signature, const Bytes& ak_public,
                                   const std::map<std::uint32_t, Bytes>& pcr_values, QuoteParts& parts) {
  TPMS_ATTEST a{};
  std::size_t off = 0;
  if (Tss2_MU_TPMS_ATTEST_Unmarshal(attest.data(), attest.size(), &off, &a) != TSS2_RC_SUCCESS || off != attest.size())
    return "attest structure is malformed (TPMS_ATTEST does not parse to its end)";
  if (a.magic != TPM2_GENERATED_VALUE) return "attest structure was not generated by a TPM (magic)";
  if (a.type != TPM2_ST_ATTEST_QUOTE) return "attest structure is not a quote";
  TPMT_SIGNATURE sig{};
  off = 0;
  if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(signature.data(), signature.size(), &off, &sig) != TSS2_RC_SUCCESS ||
      off != signature.size())
    return "signature is malformed (TPMT_SIGNATURE does not parse to its end)";
  const auto& q = a.attested.quote;
  parts.extra_data.assign(a.extraData.buffer, a.extraData.buffer + a.extraData.size);
  parts.clock = {a.clockInfo.clock, a.clockInfo.resetCount, a.clockInfo.restartCount, a.clockInfo.safe == TPM2_YES};
  if (q.pcrSelect.count != 1) return "quote covers " + std::to_string(q.pcrSelect.count) + " PCR banks, expected 1";
  const auto& sel = q.pcrSelect.pcrSelections[0];
  parts.pcr_alg = sel.hash;
  for (std::uint32_t p = 0; p < 8u * sel.sizeofSelect && p / 8 < sizeof(sel.pcrSelect); ++p)
    if (sel.pcrSelect[p / 8] & (1u << (p % 8))) parts.pcrs.push_back(p);
  TPM2B_PUBLIC pub;
  if (!unmarshal_public(ak_public, pub)) return "registered AK public is malformed";
  std::string why;
  auto key = to_pkey(pub.publicArea, why);
  if (!key) return why;
  if (!verify_signature(key.get(), sig, attest, why)) return why;
  // The PCR digest uses the signature's hash; the values are concatenated in selection order.
  const std::uint16_t halg = sig.sigAlg == TPM2_ALG_ECDSA ? sig.signature.ecdsa.hash : sig.signature.rsassa.hash;
  Bytes cat;
  for (auto p : parts.pcrs) {
    auto it = pcr_values.find(p);
    if (it == pcr_values.end()) return "PCR " + std::to_string(p) + " is quoted but its value is not reported";
    cat.insert(cat.end(), it->second.begin(), it->second.end());
  }
  if (pcr_values.size() != parts.pcrs.size()) return "reported PCR values are not exactly the quoted selection";
  const auto digest = hash(halg, cat);
  if (!digest || Bytes(q.pcrDigest.buffer, q.pcrDigest.buffer + q.pcrDigest.size) != *digest)
    return "reported PCR values are not the ones the TPM quoted (PCR digest differs)";
  return "";
}

}  // namespace sg::attest
