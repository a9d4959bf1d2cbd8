// TPM quotes end to end against swtpm (no hardware): enrolment by credential activation, quotes
// of a generated host whose TPM was extended with its event log and IMA list, and every way the
// verifier must refuse them. Accepted quotes are cross-checked with tpm2-tools' tpm2_checkquote.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdio>
#include <fstream>

#include "supplyguard/attest/attest.hpp"
#include "supplyguard/attest/quote.hpp"
#include "supplyguard/attest/tpm.hpp"
#include "supplyguard/core/error.hpp"
#include "swtpm_util.hpp"

namespace sg::attest {
namespace {

namespace fs = std::filesystem;

const Bytes kNonce = {0x5e, 0xed, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e};

void write_bytes(const fs::path& p, const Bytes& b) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), std::streamsize(b.size()));
}

std::string run_out(const std::string& cmd, int& code) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  for (std::size_t n; p && (n = fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  code = p ? pclose(p) : -1;
  return out;
}

// tpm2-tools, an independent implementation, on the quote with the registered AK public:
// tpm2_checkquote checks the signature and the nonce; tpm2_print decodes TPMS_ATTEST, whose PCR
// digest must be SHA-256 of the reported values (computed here with OpenSSL directly). (Debian's
// tpm2-tools 5.4 cannot read a PCR file of more than 8 PCRs for checkquote -f, even one written
// by its own tpm2_pcrread -o, so the digest is compared through tpm2_print instead.)
int checkquote(const test::TempDir& dir, const QuoteEvidence& q, const AkRecord& rec, const std::string& nonce_hex) {
  write_bytes(dir.path / "ak.pub", rec.ak_public);
  write_bytes(dir.path / "quote.msg", *from_hex(q.attest));
  write_bytes(dir.path / "quote.sig", *from_hex(q.signature));
  int code = 0;
  run_out("tpm2_checkquote -u " + (dir.path / "ak.pub").string() + " -m " + (dir.path / "quote.msg").string() + " -s " +
              (dir.path / "quote.sig").string() + " -g sha256 -q " + nonce_hex + " 2>&1",
          code);
  if (code != 0) return code;
  const std::string printed = run_out("tpm2_print -t TPMS_ATTEST " + (dir.path / "quote.msg").string(), code);
  if (code != 0) return code;
  std::string values;
  for (auto p : q.pcrs) values += q.pcr_values.at(p);
  const Bytes cat = *from_hex(values);
  unsigned char md[32];
  unsigned n = 0;
  EVP_Digest(cat.data(), cat.size(), md, &n, EVP_sha256(), nullptr);
  if (printed.find("pcrDigest: " + to_hex(Bytes(md, md + n))) == std::string::npos) return 100;
  if (printed.find("extraData: " + nonce_hex) == std::string::npos) return 101;
  return 0;
}

class AttestQuote : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!tpm_.running()) GTEST_SKIP() << "swtpm cannot run here: " << tpm_.why();
    cfg_ = test::host_config("B", 7);  // model B: its log has no StartupLocality (swtpm starts at locality 0)
    root_ = dir_.path / cfg_.hostname;
    write_host_tree(cfg_, root_);
    write_ima_list(root_);
    Tpm t(tpm_.tcti());
    ASSERT_GT(extend_tpm_from_tree(t, root_), 20u);
    record_ = enroll(t, cfg_.hostname, dir_.path / "aks");
  }
  Snapshot quoted(const Bytes& nonce, const std::string& tcti = "") {
    CollectOptions o;
    o.root = root_;
    o.collected_at = "2026-12-02T00:00:00Z";
    auto s = collect_snapshot(o);
    Tpm t(tcti.empty() ? tpm_.tcti() : tcti);
    s.quote = quote_for_snapshot(t, s, nonce);
    return s;
  }
  std::vector<core::Finding> check(const Snapshot& s, const Bytes& nonce = kNonce) {
    QuoteCheckOptions o;
    o.nonce = nonce;
    return check_quote(s, AkRegistry::load(dir_.path / "aks"), o);
  }
  test::SwTpm tpm_;
  test::TempDir dir_;
  HostTreeConfig cfg_;
  fs::path root_;
  AkRecord record_;
};

TEST_F(AttestQuote, CleanHostHasNoFindingAndTpm2CheckquoteAgrees) {
  const auto s = quoted(kNonce);
  ASSERT_TRUE(s.quote);
  ASSERT_EQ(s.quote->error, "");
  EXPECT_EQ(s.quote->pcr_alg, "sha256");
  EXPECT_EQ(s.quote->pcrs.back(), 10u);
  ASSERT_TRUE(s.ima.present);
  EXPECT_TRUE(check(s).empty()) << test::finding_types(check(s));
  EXPECT_EQ(checkquote(dir_, *s.quote, record_, to_hex(kNonce)), 0) << "tpm2_checkquote refused a quote we accept";
  // The snapshot JSON carries the quote and IMA list exactly: the verifier reaches the same result.
  const auto back = read_snapshot_text(to_json(s).dump(), "s.json");
  ASSERT_TRUE(back.quote);
  EXPECT_TRUE(check(back).empty()) << test::finding_types(check(back));
  // Enrolment is repeatable on the same TPM (same EK and AK: primaries of the endorsement seed).
  Tpm t(tpm_.tcti());
  EXPECT_EQ(enroll(t, cfg_.hostname, dir_.path / "aks").ak_name, record_.ak_name);
}

TEST_F(AttestQuote, OldNonceIsStale) {
  const auto s = quoted({0x01, 0x02, 0x03, 0x04});
  const auto fs = check(s);  // verifier expects kNonce
  ASSERT_EQ(fs.size(), 1u) << test::finding_types(fs);
  EXPECT_EQ(fs[0].type, "quote_stale");
  EXPECT_EQ(fs[0].severity, core::Severity::high);
  EXPECT_EQ(fs[0].evidence["nonce_found"], "01020304");
  EXPECT_NE(checkquote(dir_, *s.quote, record_, to_hex(kNonce)), 0);
}

TEST_F(AttestQuote, FlippedSignatureOrAttestByteIsInvalid) {
  const auto good = quoted(kNonce);
  for (const char* what : {"signature", "attest"}) {
    auto s = good;
    std::string& hex = std::string(what) == "signature" ? s.quote->signature : s.quote->attest;
    hex[hex.size() - 1] = hex.back() == '0' ? '1' : '0';  // last byte: ECDSA S, or a PCR digest byte
    const auto fs = check(s);
    ASSERT_EQ(fs.size(), 1u) << what << ": " << test::finding_types(fs);
    EXPECT_EQ(fs[0].type, "quote_invalid") << what;
    EXPECT_EQ(fs[0].severity, core::Severity::critical);
    EXPECT_NE(checkquote(dir_, *s.quote, record_, to_hex(kNonce)), 0) << what;
  }
  auto s = good;  // a reported PCR value that is not the quoted one
  s.quote->pcr_values[7][0] = s.quote->pcr_values[7][0] == 'a' ? 'b' : 'a';
  const auto fs = check(s);
  ASSERT_EQ(fs.size(), 1u) << test::finding_types(fs);
  EXPECT_EQ(fs[0].type, "quote_invalid");
  auto t = good;
  t.quote->attest = "00ff";  // malformed TPMS_ATTEST
  EXPECT_EQ(check(t).at(0).type, "quote_invalid");
}

TEST_F(AttestQuote, BootkitExtendNotInTheLogIsAPcrMismatch) {
  {
    Tpm t(tpm_.tcti());
    t.extend(4, {{kAlgSha1, Bytes(20, 0xb0)}, {kAlgSha256, Bytes(32, 0xb0)}});
  }
  const auto s = quoted(kNonce);
  const auto fs = check(s);
  ASSERT_EQ(fs.size(), 1u) << test::finding_types(fs);
  EXPECT_EQ(fs[0].type, "quote_pcr_mismatch");
  EXPECT_EQ(fs[0].subject, "pcr:4");
  EXPECT_EQ(fs[0].severity, core::Severity::critical);
  // The quote itself is genuine: tpm2_checkquote accepts it; only the log does not explain it.
  EXPECT_EQ(checkquote(dir_, *s.quote, record_, to_hex(kNonce)), 0);
  // And the snapshot's own sysfs PCRs (which an implant serves) still agree with the forged log.
  EXPECT_TRUE(check_replay(s).empty());
}

TEST_F(AttestQuote, ImaEntryRemovedFromTheListIsAPcrMismatch) {
  auto s = quoted(kNonce);
  ASSERT_GT(s.ima.list.entries.size(), 4u);
  s.ima.list.entries.erase(s.ima.list.entries.begin() + 3);  // hide one measured file
  const auto fs = check(s);
  ASSERT_EQ(fs.size(), 1u) << test::finding_types(fs);
  EXPECT_EQ(fs[0].type, "quote_pcr_mismatch");
  EXPECT_EQ(fs[0].subject, "pcr:10");
}

TEST_F(AttestQuote, AkOfASecondTpmIsRefused) {
  test::SwTpm other;
  ASSERT_TRUE(other.running()) << other.why();
  // Quoted by another TPM's AK for the same host name: not the enrolled AK.
  const auto s = quoted(kNonce, other.tcti());
  const auto fs = check(s);
  ASSERT_EQ(fs.size(), 1u) << test::finding_types(fs);
  EXPECT_EQ(fs[0].type, "ak_unregistered");
  // Re-enrolling the host from the other TPM is refused (the EK differs) ...
  Tpm t2(other.tcti());
  EXPECT_THROW(enroll(t2, cfg_.hostname, dir_.path / "aks"), core::InputError);
  // ... and a credential made for the enrolled EK and the other AK cannot be activated there.
  const auto ek2 = t2.endorsement_key();
  const auto ak2 = t2.attestation_key();
  const Bytes secret(32, 0x42);
  const auto cred = t2.make_credential(record_.ek_public, ak2.name, secret);
  EXPECT_THROW(t2.activate_credential(ak2, ek2, cred), std::runtime_error);
  // The same credential flow for the other TPM's own EK works: the failure above is the binding.
  EXPECT_EQ(t2.activate_credential(ak2, ek2, t2.make_credential(ek2.public_area, ak2.name, secret)), secret);
  t2.flush(ek2);
  t2.flush(ak2);
  // A snapshot without a quote, when the baseline expects one.
  auto plain = s;
  plain.quote.reset();
  QuoteCheckOptions o;
  o.quote_expected = true;
  EXPECT_EQ(check_quote(plain, AkRegistry::load(dir_.path / "aks"), o).at(0).type, "quote_missing");
}

TEST(AttestQuoteOffline, RegistryRefusesAnUnrestrictedOrMisnamedAk) {
  test::SwTpm tpm;
  if (!tpm.running()) GTEST_SKIP() << "swtpm cannot run here: " << tpm.why();
  test::TempDir dir;
  Tpm t(tpm.tcti());
  const auto rec = enroll(t, "h1", dir.path);
  EXPECT_EQ(AkRegistry::load(dir.path).size(), 1u);
  EXPECT_EQ(ak_policy_problem(rec.ak_public), "");
  EXPECT_NE(ak_policy_problem(rec.ek_public), "");  // the EK is a decryption key, not an AK
  auto forged = rec;
  forged.ak_public = rec.ek_public;
  AkRegistry::store(dir.path, forged);
  EXPECT_THROW(AkRegistry::load(dir.path), core::InputError);  // ak_name is not the name of ak_public
}

}  // namespace
}  // namespace sg::attest
