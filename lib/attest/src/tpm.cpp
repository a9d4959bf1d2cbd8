// Host side of quotes and enrolment, through tpm2-tss ESAPI: no TPM command is hand-built here.
#include "supplyguard/attest/tpm.hpp"

#include <cstdio>
#include <cstring>
#include <set>
#include <stdexcept>

#include <tss2/tss2_esys.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_rc.h>
#include <tss2/tss2_tctildr.h>

namespace sg::attest {
namespace {

std::runtime_error tss_error(const std::string& what, TSS2_RC rc) {
  return std::runtime_error(what + ": " + Tss2_RC_Decode(rc));
}

void check(TSS2_RC rc, const std::string& what) {
  if (rc != TSS2_RC_SUCCESS) throw tss_error(what, rc);
}

template <class T>
struct EsysPtr {
  T* p = nullptr;
  ~EsysPtr() { Esys_Free(p); }
  T** out() { return &p; }
  T* operator->() const { return p; }
};

template <class T, class F>
Bytes marshal(const T& v, F fn) {
  Bytes buf(sizeof(T) + 64);
  std::size_t off = 0;
  check(fn(&v, buf.data(), buf.size(), &off), "marshal");
  buf.resize(off);
  return buf;
}

TPM2B_PUBLIC unmarshal_public(const Bytes& b) {
  TPM2B_PUBLIC p{};
  std::size_t off = 0;
  if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(b.data(), b.size(), &off, &p) != TSS2_RC_SUCCESS || off != b.size())
    throw std::runtime_error("not a marshalled TPM2B_PUBLIC");
  return p;
}

// TCG EK Credential Profile, default EK templates L-1 (RSA 2048) and L-2 (ECC NIST P-256): the EKs a
// manufacturer's low-range certificate is for. Both: policy PolicySecret(TPM_RH_ENDORSEMENT) (no
// userWithAuth), AES-128-CFB, restricted decryption, unique zero-filled to the key size.
TPM2B_PUBLIC ek_template(EkType type) {
  static const std::uint8_t policy[32] = {0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8, 0x1A, 0x90, 0xCC,
                                          0x8D, 0x46, 0xA5, 0xD7, 0x24, 0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52,
                                          0x0B, 0x64, 0xF2, 0xA1, 0xDA, 0x1B, 0x33, 0x14, 0x69, 0xAA};
  TPM2B_PUBLIC t{};
  t.publicArea.nameAlg = TPM2_ALG_SHA256;
  t.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                  TPMA_OBJECT_ADMINWITHPOLICY | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  t.publicArea.authPolicy.size = 32;
  std::memcpy(t.publicArea.authPolicy.buffer, policy, 32);
  if (type == EkType::rsa_2048) {
    t.publicArea.type = TPM2_ALG_RSA;
    auto& r = t.publicArea.parameters.rsaDetail;
    r.symmetric.algorithm = TPM2_ALG_AES;
    r.symmetric.keyBits.aes = 128;
    r.symmetric.mode.aes = TPM2_ALG_CFB;
    r.scheme.scheme = TPM2_ALG_NULL;
    r.keyBits = 2048;
    r.exponent = 0;
    t.publicArea.unique.rsa.size = 256;
    return t;
  }
  t.publicArea.type = TPM2_ALG_ECC;
  auto& e = t.publicArea.parameters.eccDetail;
  e.symmetric.algorithm = TPM2_ALG_AES;
  e.symmetric.keyBits.aes = 128;
  e.symmetric.mode.aes = TPM2_ALG_CFB;
  e.scheme.scheme = TPM2_ALG_NULL;
  e.curveID = TPM2_ECC_NIST_P256;
  e.kdf.scheme = TPM2_ALG_NULL;
  t.publicArea.unique.ecc.x.size = 32;
  t.publicArea.unique.ecc.y.size = 32;
  return t;
}

// Restricted ECDSA-P256/SHA-256 signing key: it signs only TPM-generated structures (quotes), so a
// host cannot make it sign a forged TPMS_ATTEST.
TPM2B_PUBLIC ak_template() {
  TPM2B_PUBLIC t{};
  t.publicArea.type = TPM2_ALG_ECC;
  t.publicArea.nameAlg = TPM2_ALG_SHA256;
  t.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                  TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT;
  auto& e = t.publicArea.parameters.eccDetail;
  e.symmetric.algorithm = TPM2_ALG_NULL;
  e.scheme.scheme = TPM2_ALG_ECDSA;
  e.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
  e.curveID = TPM2_ECC_NIST_P256;
  e.kdf.scheme = TPM2_ALG_NULL;
  static const char label[] = "supplyguard AK";  // keeps the AK apart from other endorsement primaries
  t.publicArea.unique.ecc.x.size = sizeof(label) - 1;
  std::memcpy(t.publicArea.unique.ecc.x.buffer, label, sizeof(label) - 1);
  return t;
}

TPML_PCR_SELECTION selection(std::uint16_t alg, const std::vector<std::uint32_t>& pcrs) {
  TPML_PCR_SELECTION s{};
  s.count = 1;
  s.pcrSelections[0].hash = alg;
  s.pcrSelections[0].sizeofSelect = 3;
  for (auto p : pcrs) {
    if (p >= 24) throw std::runtime_error("PCR " + std::to_string(p) + " is not 0-23");
    s.pcrSelections[0].pcrSelect[p / 8] |= std::uint8_t(1u << (p % 8));
  }
  return s;
}

}  // namespace

struct Tpm::Impl {
  std::string tcti_conf;
  TSS2_TCTI_CONTEXT* tcti = nullptr;
  ESYS_CONTEXT* esys = nullptr;
};

Tpm::Tpm(const std::string& tcti) : impl_(std::make_unique<Impl>()) {
  impl_->tcti_conf = tcti;
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &impl_->tcti);
  if (rc != TSS2_RC_SUCCESS) throw tss_error("TPM \"" + tcti + "\"", rc);
  rc = Esys_Initialize(&impl_->esys, impl_->tcti, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    Tss2_TctiLdr_Finalize(&impl_->tcti);
    throw tss_error("TPM \"" + tcti + "\"", rc);
  }
}

Tpm::~Tpm() {
  if (impl_->esys) Esys_Finalize(&impl_->esys);
  if (impl_->tcti) Tss2_TctiLdr_Finalize(&impl_->tcti);
}

static Tpm::Key create_primary(ESYS_CONTEXT* ctx, const TPM2B_PUBLIC& tmpl, const char* what) {
  TPM2B_SENSITIVE_CREATE sens{};
  TPM2B_DATA outside{};
  TPML_PCR_SELECTION none{};
  ESYS_TR handle = ESYS_TR_NONE;
  EsysPtr<TPM2B_PUBLIC> pub;
  EsysPtr<TPM2B_CREATION_DATA> cdata;
  EsysPtr<TPM2B_DIGEST> chash;
  EsysPtr<TPMT_TK_CREATION> ticket;
  check(Esys_CreatePrimary(ctx, ESYS_TR_RH_ENDORSEMENT, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &tmpl,
                           &outside, &none, &handle, pub.out(), cdata.out(), chash.out(), ticket.out()),
        what);
  Tpm::Key k;
  k.handle = handle;
  k.public_area = marshal(*pub.p, Tss2_MU_TPM2B_PUBLIC_Marshal);
  EsysPtr<TPM2B_NAME> name;
  check(Esys_TR_GetName(ctx, handle, name.out()), "name of the key");
  k.name.assign(name->name, name->name + name->size);
  return k;
}

Tpm::Key Tpm::endorsement_key(EkType type) { return create_primary(impl_->esys, ek_template(type), "create the EK"); }
Tpm::Key Tpm::attestation_key() { return create_primary(impl_->esys, ak_template(), "create the AK"); }
void Tpm::flush(const Key& k) { Esys_FlushContext(impl_->esys, k.handle); }

Tpm::Credential Tpm::make_credential(const Bytes& ek_public, const Bytes& ak_name, const Bytes& secret) {
  const TPM2B_PUBLIC ek = unmarshal_public(ek_public);
  ESYS_TR h = ESYS_TR_NONE;
  check(Esys_LoadExternal(impl_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, nullptr, &ek, ESYS_TR_RH_NULL, &h),
        "load the registered EK public");
  TPM2B_DIGEST cred{};
  TPM2B_NAME name{};
  if (secret.size() > sizeof(cred.buffer) || ak_name.size() > sizeof(name.name)) throw std::runtime_error("credential too large");
  cred.size = std::uint16_t(secret.size());
  std::memcpy(cred.buffer, secret.data(), secret.size());
  name.size = std::uint16_t(ak_name.size());
  std::memcpy(name.name, ak_name.data(), ak_name.size());
  EsysPtr<TPM2B_ID_OBJECT> blob;
  EsysPtr<TPM2B_ENCRYPTED_SECRET> enc;
  const TSS2_RC rc = Esys_MakeCredential(impl_->esys, h, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &cred, &name, blob.out(), enc.out());
  Esys_FlushContext(impl_->esys, h);
  check(rc, "MakeCredential");
  return {marshal(*blob.p, Tss2_MU_TPM2B_ID_OBJECT_Marshal), marshal(*enc.p, Tss2_MU_TPM2B_ENCRYPTED_SECRET_Marshal)};
}

Bytes Tpm::activate_credential(const Key& ak, const Key& ek, const Credential& c) {
  TPM2B_ID_OBJECT blob{};
  TPM2B_ENCRYPTED_SECRET enc{};
  std::size_t off = 0;
  if (Tss2_MU_TPM2B_ID_OBJECT_Unmarshal(c.blob.data(), c.blob.size(), &off, &blob) != TSS2_RC_SUCCESS)
    throw std::runtime_error("credential blob is malformed");
  off = 0;
  if (Tss2_MU_TPM2B_ENCRYPTED_SECRET_Unmarshal(c.secret.data(), c.secret.size(), &off, &enc) != TSS2_RC_SUCCESS)
    throw std::runtime_error("credential secret is malformed");
  // The EK's policy: PolicySecret(TPM_RH_ENDORSEMENT) in a policy session.
  TPMT_SYM_DEF sym{};
  sym.algorithm = TPM2_ALG_NULL;
  ESYS_TR session = ESYS_TR_NONE;
  check(Esys_StartAuthSession(impl_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, nullptr,
                              TPM2_SE_POLICY, &sym, TPM2_ALG_SHA256, &session),
        "start the EK policy session");
  EsysPtr<TPM2B_TIMEOUT> timeout;
  EsysPtr<TPMT_TK_AUTH> ticket;
  TSS2_RC rc = Esys_PolicySecret(impl_->esys, ESYS_TR_RH_ENDORSEMENT, session, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                 ESYS_TR_NONE, nullptr, nullptr, nullptr, 0, timeout.out(), ticket.out());
  if (rc != TSS2_RC_SUCCESS) {
    Esys_FlushContext(impl_->esys, session);
    throw tss_error("PolicySecret(endorsement)", rc);
  }
  EsysPtr<TPM2B_DIGEST> info;
  rc = Esys_ActivateCredential(impl_->esys, ak.handle, ek.handle, ESYS_TR_PASSWORD, session, ESYS_TR_NONE, &blob, &enc,
                               info.out());
  Esys_FlushContext(impl_->esys, session);  // harmless when the TPM already closed it
  if (rc != TSS2_RC_SUCCESS)
    throw tss_error("ActivateCredential (the AK and EK are not this credential's pair in this TPM)", rc);
  return Bytes(info->buffer, info->buffer + info->size);
}

std::map<std::uint32_t, Bytes> Tpm::read_pcrs(std::uint16_t alg, const std::vector<std::uint32_t>& pcrs) {
  std::map<std::uint32_t, Bytes> out;
  std::vector<std::uint32_t> left = pcrs;
  while (!left.empty()) {  // PCR_Read returns at most 8 digests per call
    const TPML_PCR_SELECTION sel = selection(alg, left);
    std::uint32_t counter = 0;
    EsysPtr<TPML_PCR_SELECTION> got;
    EsysPtr<TPML_DIGEST> values;
    check(Esys_PCR_Read(impl_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, &counter, got.out(), values.out()),
          "PCR_Read");
    std::vector<std::uint32_t> read;
    for (std::uint32_t i = 0; i < got->count; ++i)
      for (std::uint32_t p = 0; p < 24u && p / 8 < got->pcrSelections[i].sizeofSelect; ++p)
        if (got->pcrSelections[i].pcrSelect[p / 8] & (1u << (p % 8))) read.push_back(p);
    if (read.empty() || read.size() != values->count) throw std::runtime_error("PCR_Read returned no values for the bank");
    for (std::size_t i = 0; i < read.size(); ++i)
      out[read[i]] = Bytes(values->digests[i].buffer, values->digests[i].buffer + values->digests[i].size);
    std::vector<std::uint32_t> rest;
    for (auto p : left)
      if (!out.count(p)) rest.push_back(p);
    left.swap(rest);
  }
  return out;
}

bool Tpm::has_bank(std::uint16_t alg) {
  TPMI_YES_NO more = 0;
  EsysPtr<TPMS_CAPABILITY_DATA> cap;
  check(Esys_GetCapability(impl_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_PCRS, 0, 1, &more, cap.out()),
        "GetCapability(PCRS)");
  const auto& l = cap->data.assignedPCR;
  for (std::uint32_t i = 0; i < l.count; ++i)
    if (l.pcrSelections[i].hash == alg)
      for (std::uint32_t b = 0; b < l.pcrSelections[i].sizeofSelect; ++b)
        if (l.pcrSelections[i].pcrSelect[b]) return true;
  return false;
}

QuoteEvidence Tpm::quote(const Key& ak, const Bytes& nonce, std::uint16_t alg, const std::vector<std::uint32_t>& pcrs) {
  TPM2B_DATA q{};
  if (nonce.size() > sizeof(q.buffer)) throw std::runtime_error("nonce longer than " + std::to_string(sizeof(q.buffer)) + " bytes");
  q.size = std::uint16_t(nonce.size());
  std::memcpy(q.buffer, nonce.data(), nonce.size());
  TPMT_SIG_SCHEME scheme{};
  scheme.scheme = TPM2_ALG_NULL;  // the AK's own scheme
  const TPML_PCR_SELECTION sel = selection(alg, pcrs);
  for (int attempt = 0;; ++attempt) {
    EsysPtr<TPM2B_ATTEST> attest;
    EsysPtr<TPMT_SIGNATURE> sig;
    check(Esys_Quote(impl_->esys, ak.handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &q, &scheme, &sel, attest.out(),
                     sig.out()),
          "Quote");
    QuoteEvidence e;
    e.nonce = to_hex(nonce);
    e.pcr_alg = alg_name(alg);
    e.pcrs = pcrs;
    e.attest = to_hex(std::span<const std::uint8_t>(attest->attestationData, attest->size));
    e.signature = to_hex(marshal(*sig.p, Tss2_MU_TPMT_SIGNATURE_Marshal));
    e.ak_name = to_hex(ak.name);
    const auto values = read_pcrs(alg, pcrs);
    for (const auto& [p, v] : values) e.pcr_values[p] = to_hex(v);
    QuoteParts parts;
    const std::string problem = verify_quote_signature(*from_hex(e.attest), *from_hex(e.signature), ak.public_area, values, parts);
    if (problem.empty() || attempt == 4) {
      if (!problem.empty()) e.error = "PCRs kept moving while quoting: " + problem;
      return e;
    }
  }
}

void Tpm::extend(std::uint32_t pcr, const std::map<std::uint16_t, Bytes>& digests) {
  if (pcr >= 24) throw std::runtime_error("PCR " + std::to_string(pcr) + " is not 0-23");
  TPML_DIGEST_VALUES v{};
  for (const auto& [alg, d] : digests) {
    if (v.count >= TPM2_NUM_PCR_BANKS || d.size() > sizeof(TPMU_HA)) throw std::runtime_error("too many or too long digests");
    v.digests[v.count].hashAlg = alg;
    std::memcpy(&v.digests[v.count].digest, d.data(), d.size());
    ++v.count;
  }
  check(Esys_PCR_Extend(impl_->esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &v),
        "PCR_Extend");
}

namespace {

// EK Credential Profile 2.x, NV indices of EK certificates. Low range: certificate, nonce (+1) and
// template (+2) indices per key; high range: certificates only, for templates H-1..H-7 whose policy
// (PolicyOR with PolicyAuthorizeNV) supplyguard does not satisfy.
struct CertIndex {
  std::uint32_t index;
  const char* what;
  std::optional<EkType> type;
};
constexpr CertIndex kCertIndices[] = {
    {0x01c00002, "RSA 2048 EK certificate (template L-1)", EkType::rsa_2048},
    {0x01c0000a, "ECC NIST P-256 EK certificate (template L-2)", EkType::ecc_p256},
    {0x01c00012, "RSA 2048 EK certificate (template H-1)", std::nullopt},
    {0x01c00014, "ECC NIST P-256 EK certificate (template H-2)", std::nullopt},
    {0x01c00016, "ECC NIST P-384 EK certificate (template H-3)", std::nullopt},
    {0x01c00018, "ECC NIST P-521 EK certificate (template H-4)", std::nullopt},
    {0x01c0001a, "ECC SM2 P-256 EK certificate (template H-5)", std::nullopt},
    {0x01c0001c, "RSA 3072 EK certificate (template H-6)", std::nullopt},
    {0x01c0001e, "RSA 4096 EK certificate (template H-7)", std::nullopt},
};

std::string nv_hex(std::uint32_t i) {
  char b[16];
  std::snprintf(b, sizeof b, "0x%08x", i);
  return b;
}

}  // namespace

Bytes Tpm::read_nv(std::uint32_t index) {
  ESYS_TR nv = ESYS_TR_NONE;
  check(Esys_TR_FromTPMPublic(impl_->esys, index, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv), "NV index " + nv_hex(index));
  struct Close {
    ESYS_CONTEXT* e;
    ESYS_TR* h;
    ~Close() { Esys_TR_Close(e, h); }
  } close{impl_->esys, &nv};
  EsysPtr<TPM2B_NV_PUBLIC> pub;
  EsysPtr<TPM2B_NAME> name;
  check(Esys_NV_ReadPublic(impl_->esys, nv, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, pub.out(), name.out()),
        "NV_ReadPublic(" + nv_hex(index) + ")");
  // EK certificate indices are readable with their own (empty) auth, or else by the owner (as
  // tpm2_getekcertificate falls back to).
  const ESYS_TR auth = (pub->nvPublic.attributes & TPMA_NV_AUTHREAD) ? nv : ESYS_TR_RH_OWNER;
  const std::uint16_t size = pub->nvPublic.dataSize;
  Bytes out;
  while (out.size() < size) {  // 512 bytes a read: below every TPM's MAX_NV_BUFFER_SIZE
    const std::uint16_t chunk = std::uint16_t(std::min<std::size_t>(512, size - out.size()));
    EsysPtr<TPM2B_MAX_NV_BUFFER> data;
    check(Esys_NV_Read(impl_->esys, auth, nv, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, chunk, std::uint16_t(out.size()),
                       data.out()),
          "NV_Read(" + nv_hex(index) + ")");
    if (data->size == 0) break;
    out.insert(out.end(), data->buffer, data->buffer + data->size);
  }
  return out;
}

std::vector<EkCertificateSlot> Tpm::ek_certificates() {
  // Which indices of 0x01c00000-0x01c0ffff are defined? (Reading an undefined index directly makes
  // tpm2-tss log an error.)
  std::set<std::uint32_t> defined;
  for (TPM2_HANDLE from = 0x01c00000;;) {
    TPMI_YES_NO more = 0;
    EsysPtr<TPMS_CAPABILITY_DATA> cap;
    check(Esys_GetCapability(impl_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, TPM2_CAP_HANDLES, from, 64, &more,
                             cap.out()),
          "GetCapability(HANDLES)");
    const auto& h = cap->data.handles;
    for (std::uint32_t i = 0; i < h.count; ++i)
      if (h.handle[i] <= 0x01c0ffff) defined.insert(h.handle[i]);
    if (!more || h.count == 0 || h.handle[h.count - 1] >= 0x01c0ffff) break;
    from = h.handle[h.count - 1] + 1;
  }
  std::vector<EkCertificateSlot> out;
  for (const auto& c : kCertIndices) {
    if (!defined.count(c.index)) continue;
    EkCertificateSlot slot;
    slot.nv_index = c.index;
    slot.what = c.what;
    slot.type = c.type;
    if (!c.type) slot.unusable = "its EK template's policy (PolicyOR with PolicyAuthorizeNV) is not one supplyguard satisfies";
    if (c.type && (defined.count(c.index + 1) || defined.count(c.index + 2))) {
      // The manufacturer's own template or nonce: the certified EK is not the default template's.
      slot.type.reset();
      slot.unusable = "the TPM defines its own EK " + std::string(defined.count(c.index + 2) ? "template" : "nonce") +
                      " at NV " + nv_hex(defined.count(c.index + 2) ? c.index + 2 : c.index + 1) +
                      ", which supplyguard does not apply";
    }
    try {
      slot.data = read_nv(c.index);
    } catch (const std::exception& e) {  // reported with the slot; enrolment decides what it means
      slot.type.reset();
      slot.data.clear();
      slot.unusable = std::string("it cannot be read: ") + e.what();
    }
    out.push_back(std::move(slot));
  }
  return out;
}

ClockInfo Tpm::read_clock() {
  EsysPtr<TPMS_TIME_INFO> t;
  check(Esys_ReadClock(impl_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, t.out()), "ReadClock");
  return {t->clockInfo.clock, t->clockInfo.resetCount, t->clockInfo.restartCount, t->clockInfo.safe == TPM2_YES};
}

}  // namespace sg::attest
