// TCG event log parsing and PCR replay. The expected PCR values are computed here with OpenSSL
// directly from the planted event data, not with the library's replay.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "supplyguard/attest/eventlog.hpp"
#include "supplyguard/attest/snapshot.hpp"
#include "supplyguard/attest/verify.hpp"
#include "supplyguard/gen/host_tree.hpp"
#include "supplyguard/core/error.hpp"

using namespace sg::attest;
using sg::core::InputError;

namespace {

Bytes md(const EVP_MD* m, const Bytes& in) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned n = 0;
  EVP_Digest(in.data(), in.size(), out.data(), &n, m, nullptr);
  out.resize(n);
  return out;
}

// PCR values as a TPM would hold them after these events (independent reimplementation).
std::map<std::uint32_t, Bytes> expected_pcrs(const std::vector<FixtureEvent>& events, const EVP_MD* m,
                                             std::uint8_t locality) {
  std::map<std::uint32_t, Bytes> pcr;
  const std::size_t size = std::size_t(EVP_MD_get_size(m));
  for (const auto& e : events) {
    if (e.type == 3) continue;  // EV_NO_ACTION
    if (!pcr.count(e.pcr)) {
      pcr[e.pcr] = Bytes(size, 0);
      if (e.pcr == 0) pcr[e.pcr].back() = locality;
    }
    Bytes cat = pcr[e.pcr];
    const Bytes d = md(m, e.measured.empty() ? e.data : e.measured);
    cat.insert(cat.end(), d.begin(), d.end());
    pcr[e.pcr] = md(m, cat);
  }
  return pcr;
}

std::uint32_t le32(const Bytes& b, std::size_t off) {
  return std::uint32_t(b[off]) | std::uint32_t(b[off + 1]) << 8 | std::uint32_t(b[off + 2]) << 16 |
         std::uint32_t(b[off + 3]) << 24;
}
void set32(Bytes& b, std::size_t off, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = std::uint8_t(v >> (8 * i));
}

}  // namespace

TEST(AttestEventLog, ParsesSpecIdHeaderAndEveryEvent) {
  const auto events = fixture_events("A", {});
  const Bytes raw = encode_event_log(events, 3);
  const auto log = parse_event_log(raw, "log");
  EXPECT_TRUE(log.crypto_agile);
  ASSERT_EQ(log.algorithms.size(), 2u);
  EXPECT_EQ(log.algorithms[0].alg, kAlgSha1);
  EXPECT_EQ(log.algorithms[1].alg, kAlgSha256);
  EXPECT_EQ(log.algorithms[1].size, 32);
  ASSERT_EQ(log.events.size(), events.size());
  ASSERT_TRUE(log.spec_id_header.has_value());
  EXPECT_EQ(log.startup_locality, 3);
  for (std::size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(log.events[i].pcr, events[i].pcr);
    EXPECT_EQ(log.events[i].type, events[i].type);
    EXPECT_EQ(log.events[i].data, events[i].data);
  }
  EXPECT_EQ(event_type_name(0x80000008), "EV_EFI_PLATFORM_FIRMWARE_BLOB");
  EXPECT_EQ(event_data_hint(log.events[8].data), "SecureBoot");  // UTF-16LE variable name
  EXPECT_EQ(event_data_hint(log.events[1].data), "");            // "3.4" is too short to be a hint
}

TEST(AttestEventLog, ReplayMatchesIndependentlyComputedPcrsBothModelsBothBanks) {
  for (const std::string model : {"A", "B"}) {
    const auto events = fixture_events(model, {});
    const std::uint8_t loc = fixture_startup_locality(model);
    const auto pcrs = replay(parse_event_log(encode_event_log(events, loc), "log"));
    const auto want256 = expected_pcrs(events, EVP_sha256(), loc);
    const auto want1 = expected_pcrs(events, EVP_sha1(), loc);
    EXPECT_EQ(pcrs.at(kAlgSha256), want256) << model;
    EXPECT_EQ(pcrs.at(kAlgSha1), want1) << model;
    EXPECT_EQ(pcrs.at(kAlgSha256).size(), 10u);  // PCRs 0-9 measured
  }
  // Locality 3 changes PCR 0 and nothing else.
  const auto events = fixture_events("A", {});
  const auto a = expected_pcrs(events, EVP_sha256(), 3), b = expected_pcrs(events, EVP_sha256(), 0);
  EXPECT_NE(a.at(0), b.at(0));
  EXPECT_EQ(a.at(7), b.at(7));
}

TEST(AttestEventLog, EveryTruncationIsAnErrorWithOffsetOrEndsOnARecordBoundary) {
  const Bytes raw = encode_event_log(fixture_events("B", {}), 0);
  std::size_t errors = 0;
  for (std::size_t n = 0; n < raw.size(); ++n) {
    const Bytes cut(raw.begin(), raw.begin() + long(n));
    try {
      parse_event_log(cut, "log");
    } catch (const InputError& e) {
      ASSERT_TRUE(e.where().offset.has_value()) << e.what();
      EXPECT_LE(*e.where().offset, n);
      ++errors;
    }
  }
  EXPECT_GT(errors, raw.size() * 9 / 10);
}

TEST(AttestEventLog, HostileCountsAndSizesAreRefusedAtTheirOffset) {
  const Bytes good = encode_event_log(fixture_events("A", {}), 3);
  const std::size_t spec = 32;                    // header event data starts here
  const std::size_t first = spec + le32(good, 28);  // first TCG_PCR_EVENT2
  auto expect_error_at = [](const Bytes& b, std::size_t at, const char* word) {
    try {
      parse_event_log(b, "log");
      ADD_FAILURE() << "accepted: " << word;
    } catch (const InputError& e) {
      EXPECT_EQ(*e.where().offset, at) << e.what();
      EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what();
    }
  };
  {  // digest count 0
    Bytes b = good;
    set32(b, first + 8, 0);
    expect_error_at(b, first + 8, "digests");
  }
  {  // digest count far above the declared algorithms
    Bytes b = good;
    set32(b, first + 8, 0xFFFFFFFF);
    expect_error_at(b, first + 8, "digests");
  }
  {  // an algorithm the Spec ID event did not declare
    Bytes b = good;
    b[first + 12] = 0x0C;  // sha384
    expect_error_at(b, first + 12, "not declared");
  }
  {  // event size beyond the file
    Bytes b = good;
    const std::size_t size_at = first + 12 + 2 + 20 + 2 + 32;
    set32(b, size_at, 0x7FFFFFFF);
    expect_error_at(b, size_at, "exceeds");
  }
  {  // numberOfAlgorithms absurd
    Bytes b = good;
    set32(b, spec + 24, 1000);
    expect_error_at(b, spec + 24, "algorithms");
  }
  {  // SHA-256 declared with the wrong size
    Bytes b = good;
    b[spec + 28 + 4 + 2] = 20;
    expect_error_at(b, spec + 28 + 4, "size");
  }
  EXPECT_THROW(parse_event_log(Bytes{}, "log"), InputError);
}

TEST(AttestEventLog, LegacySha1LogAndTrailingPaddingAreRead) {
  Bytes log;
  auto put32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) log.push_back(std::uint8_t(v >> (8 * i)));
  };
  for (std::uint32_t i = 0; i < 3; ++i) {
    put32(i);
    put32(0xD);
    const Bytes data = {'a', std::uint8_t('0' + i)};
    const Bytes d = md(EVP_sha1(), data);
    log.insert(log.end(), d.begin(), d.end());
    put32(2);
    log.insert(log.end(), data.begin(), data.end());
  }
  log.insert(log.end(), 100, 0);  // firmware log areas are zero padded
  const auto parsed = parse_event_log(log, "legacy");
  EXPECT_FALSE(parsed.crypto_agile);
  ASSERT_EQ(parsed.events.size(), 3u);
  const auto pcrs = replay(parsed);
  // A legacy log has no header: its first record is a measurement like the others (on real
  // logs it is EV_S_CRTM_VERSION into PCR 0, so dropping it made PCR 0 wrong or absent).
  ASSERT_EQ(pcrs.at(kAlgSha1).size(), 3u);
  for (std::uint32_t i = 0; i < 3; ++i) {
    const Bytes data = {'a', std::uint8_t('0' + i)};
    Bytes cat(20, 0);
    const Bytes d = md(EVP_sha1(), data);
    cat.insert(cat.end(), d.begin(), d.end());
    EXPECT_EQ(pcrs.at(kAlgSha1).at(i), md(EVP_sha1(), cat)) << "PCR " << i;
  }
}

TEST(AttestEventLog, HcrtmEventStartsPcr0AtLocality4) {
  // TCG PC Client PFP: with an H-CRTM (EV_EFI_HCRTM_EVENT logged) PCR 0 is reset to 0...04.
  Bytes log;
  auto put32 = [&](std::uint32_t v) {
    for (int i = 0; i < 4; ++i) log.push_back(std::uint8_t(v >> (8 * i)));
  };
  const Bytes data = {'H', 'C', 'R', 'T', 'M'};
  const Bytes d = md(EVP_sha1(), data);
  put32(0);
  put32(kEvEfiHcrtmEvent);
  log.insert(log.end(), d.begin(), d.end());
  put32(std::uint32_t(data.size()));
  log.insert(log.end(), data.begin(), data.end());
  const auto parsed = parse_event_log(log, "hcrtm");
  EXPECT_TRUE(parsed.hcrtm);
  Bytes cat(20, 0);
  cat.back() = 4;
  cat.insert(cat.end(), d.begin(), d.end());
  EXPECT_EQ(replay(parsed).at(kAlgSha1).at(0), md(EVP_sha1(), cat));
}

// Real firmware logs: not downloaded at test time (see tests/attest/data/README.md). When a
// directory of them is provided beside the project, each must parse and replay to its known PCRs.
TEST(AttestEventLog, RealLogsBesideTheProjectReplayToTheirKnownPcrs) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(SG_SOURCE_DIR) / ".." / "shared" / "tcg-eventlogs";
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    GTEST_SKIP() << "no real TCG event logs at " << dir.lexically_normal()
                 << " (put <name>.bin + <name>.pcrs.json {\"sha256\":{\"0\":\"hex\",...}} there to run this)";
  int checked = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".bin") continue;
    std::ifstream in(e.path(), std::ios::binary);
    const Bytes raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto pcrs = replay(parse_event_log(raw, e.path().string()));
    auto known = e.path();
    known.replace_extension(".pcrs.json");
    if (!fs::exists(known)) continue;
    const auto j = nlohmann::json::parse(std::ifstream(known));
    for (const auto& [alg, bank] : j.items())
      for (const auto& [pcr, hex] : bank.items()) {
        const auto a = alg_from_name(alg);
        ASSERT_TRUE(a) << alg;
        const auto want = from_hex(hex.get<std::string>());
        ASSERT_TRUE(want);
        EXPECT_EQ(to_hex(pcrs.at(*a).at(std::uint32_t(std::stoul(pcr)))), to_hex(*want)) << e.path() << " PCR " << pcr;
        ++checked;
      }
  }
  if (checked == 0) GTEST_SKIP() << "no <name>.bin with <name>.pcrs.json in " << dir;
}

TEST(AttestEventLog, ManyEventsParseInLinearTime) {
  // 100 000 events (about 7 MB): a padding check rescanning the rest of the log before every
  // record would take minutes here.
  std::vector<FixtureEvent> events(100000, FixtureEvent{0, 0x1, Bytes(4, 0)});
  const Bytes raw = encode_event_log(events, 0);
  const auto log = parse_event_log(raw, "big");
  EXPECT_EQ(log.events.size(), events.size());
}

// An SM3-256-only crypto-agile log (Chinese TPMs): the collector's replay and the verifier's
// replay of the recorded events both compute the bank (OpenSSL's SM3 here, independently).
TEST(AttestEventLog, Sm3BankReplaysInCollectionAndVerification) {
  auto u32 = [](Bytes& b, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(v >> (8 * i)));
  };
  Bytes spec = {'S', 'p', 'e', 'c', ' ', 'I', 'D', ' ', 'E', 'v', 'e', 'n', 't', '0', '3', 0};
  u32(spec, 0);                                   // platformClass
  spec.insert(spec.end(), {0, 2, 0, 2});          // minor, major, errata, uintnSize
  u32(spec, 1);                                   // one algorithm
  spec.insert(spec.end(), {0x12, 0x00, 32, 0x00, 0});  // TPM_ALG_SM3_256, 32 bytes; no vendor info
  Bytes log;
  u32(log, 0), u32(log, 3);
  log.insert(log.end(), 20, 0);
  u32(log, std::uint32_t(spec.size()));
  log.insert(log.end(), spec.begin(), spec.end());
  const Bytes data = {'v', '1', '.', '0'};
  const Bytes digest = md(EVP_sm3(), data);
  u32(log, 0), u32(log, 0x8);  // PCR 0, EV_S_CRTM_VERSION
  u32(log, 1);
  log.insert(log.end(), {0x12, 0x00});
  log.insert(log.end(), digest.begin(), digest.end());
  u32(log, std::uint32_t(data.size()));
  log.insert(log.end(), data.begin(), data.end());

  Bytes cat(32, 0);
  cat.insert(cat.end(), digest.begin(), digest.end());
  const std::string want = to_hex(md(EVP_sm3(), cat));
  EXPECT_EQ(to_hex(replay(parse_event_log(log, "sm3")).at(0x12).at(0)), want);

  char tmpl[] = "/tmp/sg-attest-sm3-XXXXXX";
  const std::filesystem::path root = mkdtemp(tmpl);
  std::filesystem::create_directories(root / "sys/kernel/security/tpm0");
  std::ofstream(root / "sys/kernel/security/tpm0/binary_bios_measurements", std::ios::binary)
      .write(reinterpret_cast<const char*>(log.data()), std::streamsize(log.size()));
  std::filesystem::create_directories(root / "sys/class/tpm/tpm0/pcr-sm3_256");
  std::ofstream(root / "sys/class/tpm/tpm0/pcr-sm3_256/0") << want << "\n";
  CollectOptions o;
  o.root = root;
  auto s = collect_snapshot(o);
  std::filesystem::remove_all(root);
  ASSERT_TRUE(s.eventlog.present);
  EXPECT_EQ(s.eventlog.replayed.at("sm3_256").at(0), want);
  EXPECT_TRUE(check_replay(s).empty());
  s.eventlog.tpm_pcrs.at("sm3_256").at(0) = std::string(64, '0');
  EXPECT_EQ(check_replay(s).size(), 1u);
}
