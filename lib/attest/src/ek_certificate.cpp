// The EK certificate check of enrolment: the certificate in the TPM's NV must certify exactly the EK
// enrolment uses (as go-attestation and Keylime's registrar compare the certificate's key with the
// EK public), and chain to a CA the operator trusts (OpenSSL's X509_verify_cert; Keylime loads its
// tpm_cert_store the same way). Without a CA the EK is trusted on first use.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <memory>

#include "supplyguard/attest/tpm.hpp"
#include "supplyguard/core/error.hpp"

namespace sg::attest {
namespace detail {
EVP_PKEY* public_key_of(const Bytes& tpm2b_public, std::string& why);  // quote_verify.cpp
}

namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;

void free_stack(STACK_OF(X509)* s) { sk_X509_pop_free(s, X509_free); }
using StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), free_stack>>;

std::string name_of(const X509_NAME* n) {
  char buf[256];
  X509_NAME_oneline(n, buf, sizeof buf);
  return buf;
}

// Every certificate of a PEM file; empty when the file holds none.
StackPtr read_pem_certs(const std::filesystem::path& file, std::string& why) {
  StackPtr out(sk_X509_new_null());
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(file.c_str(), "rb"), std::fclose);
  if (!f) {
    why = file.string() + ": cannot open";
    return out;
  }
  while (X509* c = PEM_read_X509(f.get(), nullptr, nullptr, nullptr)) sk_X509_push(out.get(), c);
  if (sk_X509_num(out.get()) == 0) why = file.string() + ": no PEM certificate in the file";
  return out;
}

}  // namespace

const EkCertificateSlot* usable_ek_certificate(const std::vector<EkCertificateSlot>& slots) {
  for (EkType t : {EkType::ecc_p256, EkType::rsa_2048})
    for (const auto& s : slots)
      if (s.type == t) return &s;
  return nullptr;
}

Bytes ek_certificate_der(const Bytes& nv, const std::string& source) {
  std::size_t start = 0, len = nv.size();
  // PC Client Platform TPM Profile 7.3.2: a certificate may be stored behind 0x10 0x01 0x00 and a
  // big-endian u16 length (go-attestation unwraps the same header).
  if (nv.size() >= 3 && nv[0] == 0x10 && nv[1] == 0x01 && nv[2] == 0x00) {
    if (nv.size() < 5) throw core::InputError::at_offset(source, nv.size(), "EK certificate header cut short (5 bytes needed)");
    len = std::size_t(nv[3]) << 8 | nv[4];
    start = 5;
    if (len > nv.size() - 5)
      throw core::InputError::at_offset(source, 3, "EK certificate header claims " + std::to_string(len) + " bytes, the index holds " +
                                                std::to_string(nv.size() - 5) + " after it");
  }
  if (len == 0) throw core::InputError::at_offset(source, start, "no EK certificate (the index is empty)");
  // DER X.509; anything after the certificate (padding of the NV index) is not part of it.
  const unsigned char* p = nv.data() + start;
  X509Ptr cert(d2i_X509(nullptr, &p, long(len)));
  if (!cert) {
    const bool url = len > 4 && std::string(nv.begin() + long(start), nv.begin() + long(start) + 4) == "http";
    throw core::InputError::at_offset(source, start, url ? "the index holds a URL, not a certificate (fetch it from the vendor)"
                                                  : "not a DER X.509 certificate");
  }
  return Bytes(nv.begin() + long(start), nv.begin() + long(start) + (p - (nv.data() + start)));
}

std::string check_ek_certificate(const Bytes& nv_data, const std::string& source, const Bytes& ek_public,
                                 const std::filesystem::path& ca_bundle,
                                 const std::optional<std::filesystem::path>& intermediates) {
  const Bytes der = ek_certificate_der(nv_data, source);
  const unsigned char* p = der.data();
  X509Ptr cert(d2i_X509(nullptr, &p, long(der.size())));
  const std::string who = "EK certificate \"" + name_of(X509_get_subject_name(cert.get())) + "\" (issuer \"" +
                          name_of(X509_get_issuer_name(cert.get())) + "\")";
  std::string why;
  PkeyPtr ek(detail::public_key_of(ek_public, why));
  if (!ek) return "the EK public is not usable: " + why;
  if (EVP_PKEY_eq(X509_get0_pubkey(cert.get()), ek.get()) != 1)
    return who + " in " + source + " certifies another key than this TPM's EK: a certificate of another TPM, or of an EK made " +
           "from another template";
  StackPtr roots = read_pem_certs(ca_bundle, why);
  if (!why.empty()) return why;
  StackPtr chain(sk_X509_new_null());
  if (intermediates) {
    chain = read_pem_certs(*intermediates, why);
    if (!why.empty()) return why;
  }
  std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>> store(X509_STORE_new());
  for (int i = 0; i < sk_X509_num(roots.get()); ++i) X509_STORE_add_cert(store.get(), sk_X509_value(roots.get(), i));
  std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), chain.get());
  if (X509_verify_cert(ctx.get()) != 1) {
    const int err = X509_STORE_CTX_get_error(ctx.get());
    return who + " does not chain to " + ca_bundle.filename().string() + ": " + X509_verify_cert_error_string(err) +
           " (at depth " + std::to_string(X509_STORE_CTX_get_error_depth(ctx.get())) + ")";
  }
  return "";
}

}  // namespace sg::attest
