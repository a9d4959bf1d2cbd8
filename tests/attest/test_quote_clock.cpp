// The TPM clock history per host (tpm_reboot, tpm_clock_rollback) and model A's locality-3 boot:
// swtpm is power-cycled and started from the locality the log names by supplyguard-gen's
// boot_tpm_from_tree, so a model-A log replays to the quoted PCR 0 and each boot is a TPM Reset.
#include <gtest/gtest.h>

#include <filesystem>

#include "supplyguard/attest/attest.hpp"
#include "supplyguard/attest/quote.hpp"
#include "supplyguard/attest/tpm.hpp"
#include "supplyguard/core/error.hpp"
#include "swtpm_util.hpp"

namespace sg::attest {
namespace {

namespace fs = std::filesystem;

TEST(AttestQuoteClock, CompareClockNamesEveryMove) {
  const ClockInfo b{50000, 4, 2, true};
  EXPECT_EQ(compare_clock(b, b).change, ClockChange::same_boot);
  EXPECT_EQ(compare_clock(b, {60000, 4, 2, true}).change, ClockChange::same_boot);
  // A reset: restartCount back to 0 and a clock that resumed from its last save are normal.
  auto v = compare_clock(b, {51000, 5, 0, true});
  EXPECT_EQ(v.change, ClockChange::reboot);
  EXPECT_EQ(v.why, "1 TPM reset(s) (resetCount 4 -> 5)");
  v = compare_clock(b, {40000, 7, 0, false});  // power lost before the clock was saved: safe = NO
  EXPECT_EQ(v.change, ClockChange::reboot);
  EXPECT_NE(v.why.find("3 TPM reset(s)"), std::string::npos);
  EXPECT_NE(v.why.find("safe = NO"), std::string::npos);
  EXPECT_EQ(compare_clock(b, {60000, 4, 3, true}).change, ClockChange::resume);
  // Backwards: counters, or the clock within one boot, or the clock after an orderly reset.
  v = compare_clock(b, {30000, 3, 9, true});
  EXPECT_EQ(v.change, ClockChange::rollback);
  EXPECT_EQ(v.why, "resetCount went back from 4 to 3 (clock 50000 -> 30000 ms)");
  v = compare_clock(b, {90000, 0, 0, true});  // TPM2_Clear zeroes the counters, not the clock
  EXPECT_EQ(v.change, ClockChange::rollback);
  EXPECT_EQ(v.why, "resetCount went back from 4 to 0 (clock 50000 -> 90000 ms)");
  EXPECT_EQ(compare_clock(b, {60000, 4, 1, true}).change, ClockChange::rollback);
  v = compare_clock(b, {49999, 4, 2, true});
  EXPECT_EQ(v.change, ClockChange::rollback);
  EXPECT_EQ(v.why, "the clock went back from 50000 to 49999 ms within one boot (resetCount 4, restartCount 2)");
  EXPECT_EQ(compare_clock(b, {49000, 4, 3, true}).change, ClockChange::rollback);  // resume cannot lose time
  EXPECT_EQ(compare_clock(b, {49000, 5, 0, true}).change, ClockChange::rollback);  // orderly reset cannot either
}

TEST(AttestQuoteClock, MarksRoundTripAndBadStateIsNamed) {
  test::TempDir d;
  store_clock_mark(d.path, "h1", {{123456789012ull, 7, 1, false}, "quote of 2026-12-02T10:00:00Z"});
  const auto m = load_clock_marks(d.path);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m.at("h1").clock, (ClockInfo{123456789012ull, 7, 1, false}));
  EXPECT_EQ(m.at("h1").seen, "quote of 2026-12-02T10:00:00Z");
  std::ofstream(d.path / "quote-state" / "h2.json")
      << R"({"schema":"supplyguard.quote-state/1","host":"h2","seen":"x","clock":{"clock":1,"reset_count":4294967296,"restart_count":0,"safe":true}})";
  try {
    load_clock_marks(d.path);
    ADD_FAILURE() << "a 33-bit counter was accepted";
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("h2.json: clock: reset_count is above 2^32-1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(store_clock_mark(d.path, "../x", {}), core::InputError);
}

class AttestQuoteClockSwtpm : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!tpm_.running()) GTEST_SKIP() << "swtpm cannot run here: " << tpm_.why();
    cfg_ = test::host_config("A", 11);  // model A: StartupLocality 3
    root_ = dir_.path / cfg_.hostname;
    write_host_tree(cfg_, root_);
    write_ima_list(root_);
    ASSERT_GT(boot_tpm_from_tree(tpm_.tcti(), root_), 20u);
    Tpm t(tpm_.tcti());
    record_ = enroll(t, cfg_.hostname, dir_.path / "aks");
  }
  Snapshot quoted(const Bytes& nonce, const std::string& at) {
    CollectOptions o;
    o.root = root_;
    o.collected_at = at;
    auto s = collect_snapshot(o);
    Tpm t(tpm_.tcti());
    s.quote = quote_for_snapshot(t, s, nonce);
    return s;
  }
  // check_quote, then the clock history in order, as verify does.
  std::vector<core::Finding> verify(const Snapshot& s, const std::optional<Bytes>& nonce) {
    QuoteCheckOptions o;
    o.nonce = nonce;
    const auto reg = AkRegistry::load(dir_.path / "aks");
    auto fs = check_quote(s, reg, o);
    if (auto c = quote_clock(s, reg, o))
      for (auto& f : check_clock_history(*c, reg, marks_)) fs.push_back(std::move(f));
    return fs;
  }
  test::SwTpm tpm_;
  test::TempDir dir_;
  HostTreeConfig cfg_;
  fs::path root_;
  AkRecord record_;
  std::map<std::string, ClockMark> marks_;
};

TEST_F(AttestQuoteClockSwtpm, ModelAReplaysFromLocality3AndRebootsAndRollbacksAreSeen) {
  const Bytes n1 = {1, 1, 1, 1}, n2 = {2, 2, 2, 2}, n3 = {3, 3, 3, 3};
  ASSERT_TRUE(record_.clock);
  const auto s1 = quoted(n1, "2026-12-02T10:00:00Z");
  ASSERT_TRUE(s1.quote);
  ASSERT_EQ(s1.quote->error, "");
  EXPECT_EQ(s1.eventlog.startup_locality, 3);
  std::string zero3(64, '0');
  zero3.back() = '3';
  EXPECT_NE(s1.quote->pcr_values.at(0), zero3);  // PCR 0 = extends on top of 0...03
  // Same boot as enrolment: nothing, and PCR 0 replays from locality 3 (no quote_pcr_mismatch).
  EXPECT_TRUE(verify(s1, n1).empty()) << test::finding_types(verify(s1, n1));
  const ClockInfo first = marks_.at(cfg_.hostname).clock;
  EXPECT_EQ(first.reset_count, record_.clock->reset_count);

  // A reboot: the host boots the same firmware again.
  const fs::path saved = dir_.path / "state-before-reboot";
  fs::copy(tpm_.state_dir(), saved, fs::copy_options::recursive);
  ASSERT_GT(boot_tpm_from_tree(tpm_.tcti(), root_), 20u);
  const auto s2 = quoted(n2, "2026-12-02T11:00:00Z");
  auto fs2 = verify(s2, n2);
  ASSERT_EQ(fs2.size(), 1u) << test::finding_types(fs2);
  EXPECT_EQ(fs2[0].type, "tpm_reboot");
  EXPECT_EQ(fs2[0].severity, core::Severity::info);
  EXPECT_EQ(fs2[0].subject, "tpm:clock");
  EXPECT_EQ(fs2[0].evidence["kind"], "reset");
  EXPECT_NE(fs2[0].summary.find("since the quote of 2026-12-02T10:00:00Z: 1 TPM reset(s) (resetCount " +
                                std::to_string(first.reset_count) + " -> " + std::to_string(first.reset_count + 1) + ")"),
            std::string::npos)
      << fs2[0].summary;
  EXPECT_TRUE(verify(s2, n2).empty());  // the mark moved: the same quote again is the same boot

  // The old quote offered again, no nonce asked (else it is also quote_stale): the history went back.
  auto fs1 = verify(s1, std::nullopt);
  ASSERT_EQ(fs1.size(), 1u) << test::finding_types(fs1);
  EXPECT_EQ(fs1[0].type, "tpm_clock_rollback");
  EXPECT_EQ(fs1[0].severity, core::Severity::high);
  EXPECT_NE(fs1[0].summary.find("resetCount went back"), std::string::npos) << fs1[0].summary;
  EXPECT_EQ(marks_.at(cfg_.hostname).seen, "quote of 2026-12-02T11:00:00Z");  // a rollback never moves the mark

  // Another reboot, seen by the verifier (resetCount first + 2).
  ASSERT_GT(boot_tpm_from_tree(tpm_.tcti(), root_), 20u);
  const auto s2b = quoted(n2, "2026-12-02T11:30:00Z");
  const auto fs2b = verify(s2b, n2);
  ASSERT_EQ(fs2b.size(), 1u) << test::finding_types(fs2b);
  EXPECT_EQ(fs2b[0].type, "tpm_reboot");

  // TPM state restored from the copy taken before those reboots (a VM snapshot reverted), then
  // started once: a genuine, fresh quote whose resetCount is behind what this verifier saw.
  tpm_.stop();
  fs::remove_all(tpm_.state_dir());
  fs::copy(saved, tpm_.state_dir(), fs::copy_options::recursive);
  ASSERT_TRUE(tpm_.restart()) << tpm_.why();
  const auto s3 = quoted(n3, "2026-12-02T12:00:00Z");
  auto fs3 = verify(s3, n3);
  std::string rollback;
  for (const auto& f : fs3)
    if (f.type == "tpm_clock_rollback") rollback = f.summary;
  EXPECT_NE(rollback.find("resetCount went back from " + std::to_string(first.reset_count + 2) + " to " +
                          std::to_string(first.reset_count + 1)),
            std::string::npos)
      << test::finding_types(fs3) << rollback;
}

}  // namespace
}  // namespace sg::attest
