// --ek-ca with a real EK certificate chain: swtpm_setup + swtpm_localca manufacture a TPM with an
// RSA 2048 EK certificate (NV 0x01c00002) and an ECC P-384 one (0x01c00016), issued by a local
// intermediate CA under a local root. Enrolment must pick the EK the certificate is for, verify
// the chain, and refuse a wrong CA, a certificate of another key, and a missing certificate.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "supplyguard/attest/quote.hpp"
#include "supplyguard/attest/tpm.hpp"
#include "supplyguard/core/error.hpp"
#include "swtpm_util.hpp"

namespace sg::attest {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Bytes bytes_of(const fs::path& p) {
  const auto s = slurp(p);
  return Bytes(s.begin(), s.end());
}

int sh(const std::string& cmd) {
  const int rc = std::system((cmd + " > /dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

EnrollOptions ca(const fs::path& bundle, std::optional<fs::path> intermediates = std::nullopt) {
  EnrollOptions o;
  o.ek_ca = bundle;
  o.ek_intermediates = std::move(intermediates);
  return o;
}

std::string enroll_error(Tpm& t, const fs::path& reg, const EnrollOptions& o) {
  try {
    enroll(t, "h1", reg, o);
  } catch (const core::InputError& e) {
    return e.what();
  }
  return "(enrolled)";
}

test::SwTpmOptions ek_swtpm() {
  test::SwTpmOptions o;
  o.ek_certificates = true;
  return o;
}

// One manufactured TPM for the tests that do not change it (swtpm_setup takes seconds).
class AttestEkCertificate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tpm_ = new test::SwTpm(ek_swtpm()); }
  static void TearDownTestSuite() {
    delete tpm_;
    tpm_ = nullptr;
  }
  void SetUp() override {
    if (!tpm_->running()) GTEST_SKIP() << "swtpm with EK certificates cannot run here: " << tpm_->why();
    root_ = tpm_->ca_dir() / "swtpm-localca-rootca-cert.pem";
    intermediate_ = tpm_->ca_dir() / "issuercert.pem";
    std::ofstream(dir_.path / "bundle.pem") << slurp(root_) << slurp(intermediate_);
  }
  static test::SwTpm* tpm_;
  test::TempDir dir_;
  fs::path root_, intermediate_;
};
test::SwTpm* AttestEkCertificate::tpm_ = nullptr;

TEST_F(AttestEkCertificate, ReadsEveryCertificateIndexAndPicksTheRsaEk) {
  Tpm t(tpm_->tcti());
  const auto slots = t.ek_certificates();
  ASSERT_EQ(slots.size(), 2u);
  EXPECT_EQ(slots[0].nv_index, 0x01c00002u);
  EXPECT_EQ(slots[1].nv_index, 0x01c00016u);
  EXPECT_FALSE(slots[1].type.has_value());
  EXPECT_EQ(ek_certificate_der(slots[0].data, "nv"), bytes_of(tpm_->state_dir().parent_path() / "ek-rsa2048.crt"));
  const auto* use = usable_ek_certificate(slots);
  ASSERT_NE(use, nullptr);
  EXPECT_EQ(use->type, EkType::rsa_2048);
}

TEST_F(AttestEkCertificate, GoodChainEnrolsTheCertifiedEk) {
  Tpm t(tpm_->tcti());
  std::vector<std::string> warnings;
  const auto rec = enroll(t, "h1", dir_.path / "aks", ca(dir_.path / "bundle.pem"), &warnings);
  EXPECT_NE(rec.ek_certificate.find("RSA 2048 EK certificate (template L-1) at NV 0x01c00002 verified against bundle.pem"),
            std::string::npos)
      << rec.ek_certificate;
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("ECC NIST P-384 EK certificate (template H-3) at NV 0x01c00016 is not used"), std::string::npos)
      << warnings[0];
  // Independently: the EK enrolled is the one swtpm_setup made and certified (persisted at
  // 0x81010001), as tpm2-tools reads it.
  ASSERT_EQ(sh("TPM2TOOLS_TCTI='" + tpm_->tcti() + "' tpm2_readpublic -c 0x81010001 -o " + (dir_.path / "ek.pub").string()), 0);
  EXPECT_EQ(bytes_of(dir_.path / "ek.pub"), rec.ek_public);
  ASSERT_TRUE(rec.clock.has_value());
  EXPECT_GE(rec.clock->reset_count, 0u);
  // The registry keeps what was written (clock included).
  const auto reg = AkRegistry::load(dir_.path / "aks");
  ASSERT_NE(reg.find("h1"), nullptr);
  EXPECT_EQ(reg.find("h1")->clock, rec.clock);
  EXPECT_EQ(reg.find("h1")->ek_certificate, rec.ek_certificate);
}

TEST_F(AttestEkCertificate, RootWithSeparateIntermediatesEnrolsAndRootAloneIsRefused) {
  Tpm t(tpm_->tcti());
  EXPECT_EQ(enroll_error(t, dir_.path / "a", ca(root_, intermediate_)), "(enrolled)");
  const auto why = enroll_error(t, dir_.path / "b", ca(root_));
  EXPECT_NE(why.find("does not chain to swtpm-localca-rootca-cert.pem: unable to get local issuer certificate"), std::string::npos)
      << why;
  EXPECT_FALSE(fs::exists(dir_.path / "b" / "h1.json"));
  // The intermediate alone is no trust anchor (the chain must end at a self-signed root).
  const auto why2 = enroll_error(t, dir_.path / "c", ca(intermediate_));
  EXPECT_NE(why2.find("does not chain"), std::string::npos) << why2;
}

TEST_F(AttestEkCertificate, WrongCaIsRefused) {
  // Another vendor's root (its own key), as an operator with the wrong CA file would give.
  ASSERT_EQ(sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=other-tpm-vendor-root "
               "-keyout " + (dir_.path / "other.key").string() + " -out " + (dir_.path / "other.pem").string()),
            0);
  Tpm t(tpm_->tcti());
  const auto why = enroll_error(t, dir_.path / "aks", ca(dir_.path / "other.pem"));
  EXPECT_NE(why.find("other.pem: EK refused: EK certificate"), std::string::npos) << why;
  EXPECT_NE(why.find("does not chain to other.pem: unable to get local issuer certificate"), std::string::npos) << why;
  EXPECT_FALSE(fs::exists(dir_.path / "aks" / "h1.json"));
  const auto none = enroll_error(t, dir_.path / "aks", ca(dir_.path / "missing.pem"));
  EXPECT_NE(none.find("missing.pem: cannot open"), std::string::npos) << none;
  const auto key = enroll_error(t, dir_.path / "aks", ca(dir_.path / "other.key"));
  EXPECT_NE(key.find("other.key: no PEM certificate in the file"), std::string::npos) << key;
}

TEST_F(AttestEkCertificate, WithoutEkCaEnrolsWithAWarning) {
  Tpm t(tpm_->tcti());
  std::vector<std::string> warnings;
  const auto rec = enroll(t, "h1", dir_.path / "aks", {}, &warnings);
  EXPECT_EQ(rec.ek_certificate, "present at NV 0x01c00002, not checked (no --ek-ca)");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[1].find("no --ek-ca was given: the EK is trusted on first use"), std::string::npos) << warnings[1];
  // The same EK as with --ek-ca: enrolling later with the CA is not "another TPM".
  EXPECT_EQ(enroll(t, "h1", dir_.path / "aks", ca(dir_.path / "bundle.pem")).ek_public, rec.ek_public);
}

TEST(AttestEkCertificateAlone, CertificateOfAnotherKeyIsRefused) {
  test::SwTpm tpm(ek_swtpm());
  if (!tpm.running()) GTEST_SKIP() << "swtpm with EK certificates cannot run here: " << tpm.why();
  test::TempDir d;
  // The TPM's own P-384 EK certificate (genuine, same CA) put where the RSA one was: the chain
  // verifies, the key is not the RSA EK's. (Platform auth is empty on swtpm, as before firmware locks it.)
  const fs::path p384 = tpm.state_dir().parent_path() / "ek-secp384r1.crt";
  const std::string env = "TPM2TOOLS_TCTI='" + tpm.tcti() + "' ";
  ASSERT_EQ(sh(env + "tpm2_nvundefine -C p 0x01c00002"), 0);
  ASSERT_EQ(sh(env + "tpm2_nvdefine -C p -s " + std::to_string(fs::file_size(p384)) +
               " -a 'ppwrite|ppread|ownerread|authread|no_da|platformcreate' 0x01c00002"),
            0);
  ASSERT_EQ(sh(env + "tpm2_nvwrite -C p -i " + p384.string() + " 0x01c00002"), 0);
  std::ofstream(d.path / "bundle.pem") << slurp(tpm.ca_dir() / "swtpm-localca-rootca-cert.pem")
                                       << slurp(tpm.ca_dir() / "issuercert.pem");
  Tpm t(tpm.tcti());
  const auto why = enroll_error(t, d.path / "aks", ca(d.path / "bundle.pem"));
  EXPECT_NE(why.find("in EK certificate NV 0x01c00002 certifies another key than this TPM's EK"), std::string::npos) << why;
  EXPECT_FALSE(fs::exists(d.path / "aks" / "h1.json"));
}

TEST(AttestEkCertificateAlone, NoCertificateWithEkCaIsRefused) {
  test::SwTpm tpm;
  if (!tpm.running()) GTEST_SKIP() << "swtpm cannot run here: " << tpm.why();
  test::TempDir d;
  std::ofstream(d.path / "ca.pem") << "unused\n";
  Tpm t(tpm.tcti());
  const auto why = enroll_error(t, d.path / "aks", ca(d.path / "ca.pem"));
  EXPECT_NE(why.find("--ek-ca given, but the TPM holds no EK certificate"), std::string::npos) << why;
  std::vector<std::string> warnings;
  const auto rec = enroll(t, "h1", d.path / "aks", {}, &warnings);
  EXPECT_TRUE(warnings.empty());
  EXPECT_NE(rec.ek_certificate.find("absent"), std::string::npos);
}

TEST(AttestEkCertificateDer, UnwrapsPaddingAndTheNvHeaderAndNamesBadBytes) {
  // A tiny but real certificate: the swtpm-free way is a self-signed one from the openssl tool.
  test::TempDir d;
  if (sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=t -outform DER -keyout " +
         (d.path / "k").string() + " -out " + (d.path / "c.der").string()) != 0)
    GTEST_SKIP() << "the openssl tool is not installed";
  const Bytes der = bytes_of(d.path / "c.der");
  EXPECT_EQ(ek_certificate_der(der, "nv"), der);
  Bytes padded = der;
  padded.resize(der.size() + 300, 0xff);
  EXPECT_EQ(ek_certificate_der(padded, "nv"), der);
  Bytes wrapped = {0x10, 0x01, 0x00, std::uint8_t(der.size() >> 8), std::uint8_t(der.size())};
  wrapped.insert(wrapped.end(), der.begin(), der.end());
  EXPECT_EQ(ek_certificate_der(wrapped, "nv"), der);
  auto message = [](const Bytes& b) {
    try {
      ek_certificate_der(b, "NV 0x01c00002");
    } catch (const core::InputError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  Bytes cut(wrapped.begin(), wrapped.end() - 1);
  EXPECT_NE(message(cut).find("NV 0x01c00002: byte 3: EK certificate header claims"), std::string::npos) << message(cut);
  EXPECT_NE(message({0x10, 0x01, 0x00, 0x01}).find("byte 4: EK certificate header cut short"), std::string::npos);
  EXPECT_NE(message({}).find("no EK certificate (the index is empty)"), std::string::npos);
  const std::string url = "https://ekop.intel.com/ekcertservice/abc";
  EXPECT_NE(message(Bytes(url.begin(), url.end())).find("holds a URL"), std::string::npos);
  for (std::size_t n = 0; n < der.size(); ++n)  // every cut of the certificate is refused, never read past
    EXPECT_THROW(ek_certificate_der(Bytes(der.begin(), der.begin() + long(n)), "nv"), core::InputError) << n;
}

}  // namespace
}  // namespace sg::attest
