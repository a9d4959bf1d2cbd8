// Baselines: quorum over many hosts, Ed25519 signing, tamper and key checks, strict reading.
#include <gtest/gtest.h>

#include "supplyguard/attest/baseline.hpp"
#include "supplyguard/attest/verify.hpp"
#include "supplyguard/core/error.hpp"
#include "tree_util.hpp"

using namespace sg::attest;
using sg::core::InputError;
using sg::test::TempDir;

namespace {

std::vector<Snapshot> fleet(const TempDir& d, int n, int odd_seed, std::vector<Plant> odd_plants) {
  std::vector<Snapshot> out;
  for (int seed = 1; seed <= n; ++seed)
    out.push_back(sg::test::snapshot_of(
        d, sg::test::host_config("A", std::uint64_t(seed), seed == odd_seed ? odd_plants : std::vector<Plant>{})));
  return out;
}

bool has_component(const Baseline& b, const std::string& id) {
  for (const auto& c : b.components)
    if (c.id == id) return true;
  return false;
}

}  // namespace

TEST(AttestBaseline, QuorumPinsWhatMostHostsAgreeOnAndLeavesTheOddOneOut) {
  TempDir d;
  const auto snaps = fleet(d, 10, 4, {Plant::extra_i2c, Plant::module_changed, Plant::option_rom_changed});
  BaselineOptions o;
  o.quorum = 0.9;
  const auto b = create_baseline(snaps, o);
  EXPECT_EQ(b.hosts.size(), 10u);
  EXPECT_FALSE(has_component(b, "i2c:3-0066"));
  EXPECT_TRUE(has_component(b, "i2c:3-0050"));
  EXPECT_EQ(b.pcr_events.size(), 10u);
  // The odd host is the one with findings; the other nine are clean.
  for (const auto& s : snaps) {
    const auto fs = verify_snapshot(s, b);
    if (s.host.hostname == "host-A4") {
      EXPECT_EQ(fs.size(), 3u);
    } else {
      EXPECT_TRUE(fs.empty()) << s.host.hostname;
    }
  }
  // With quorum 1.0 the disagreeing module content is left unpinned instead of guessed.
  o.quorum = 1.0;
  const auto strict = create_baseline(snaps, o);
  for (const auto& m : strict.modules)
    if (m.name == "ipmi_si") {
      EXPECT_TRUE(m.sha256.empty());
    }
}

TEST(AttestBaseline, MixedModelsAreRefused) {
  TempDir d;
  std::vector<Snapshot> snaps = {sg::test::snapshot_of(d, sg::test::host_config("A", 1)),
                                 sg::test::snapshot_of(d, sg::test::host_config("B", 2))};
  EXPECT_THROW(create_baseline(snaps, {}), InputError);
  EXPECT_THROW(create_baseline(std::vector<Snapshot>{}, {}), InputError);
}

TEST(AttestBaseline, SignedBaselineVerifiesAndAnyEditBreaksIt) {
  TempDir d;
  auto b = create_baseline({sg::test::snapshot_of(d, sg::test::host_config("A", 1))}, {});
  EXPECT_EQ(check_signature(b, std::nullopt), SignatureCheck::unsigned_baseline);
  const auto key = generate_keypair();
  sign_baseline(b, key);
  const std::string text = to_json(b).dump(2);
  const auto loaded = read_baseline_text(text, "golden.json");
  EXPECT_EQ(check_signature(loaded, key.pub), SignatureCheck::valid);
  EXPECT_EQ(check_signature(loaded, std::nullopt), SignatureCheck::valid);
  EXPECT_EQ(check_signature(loaded, generate_keypair().pub), SignatureCheck::wrong_key);

  // Accept the implant: drop the golden ipmi_si hash, or add the rogue I2C device.
  auto j = Json::parse(text);
  j["modules"][0]["sha256"] = std::string(64, '0');
  EXPECT_EQ(check_signature(read_baseline_text(j.dump(), "t.json"), key.pub), SignatureCheck::bad_signature);
  j = Json::parse(text);
  j["components"].push_back({{"id", "zz:extra"}, {"bus", "i2c"}, {"attrs", Json::object()}});
  EXPECT_EQ(check_signature(read_baseline_text(j.dump(), "t.json"), std::nullopt), SignatureCheck::bad_signature);
  j = Json::parse(text);
  j["quorum"] = 0.5;
  EXPECT_EQ(check_signature(read_baseline_text(j.dump(), "t.json"), std::nullopt), SignatureCheck::bad_signature);
  // Re-signing with another key passes the embedded check but not the trusted key.
  auto forged = read_baseline_text(j.dump(), "t.json");
  const auto attacker = generate_keypair();
  sign_baseline(forged, attacker);
  EXPECT_EQ(check_signature(forged, std::nullopt), SignatureCheck::valid);
  EXPECT_EQ(check_signature(forged, key.pub), SignatureCheck::wrong_key);
}

TEST(AttestBaseline, JsonRoundTripIsExact) {
  TempDir d;
  auto b = create_baseline(fleet(d, 3, 2, {Plant::usb_added}), {});
  sign_baseline(b, generate_keypair());
  const auto text = to_json(b).dump(2);
  EXPECT_EQ(to_json(read_baseline_text(text, "b.json")).dump(2), text);
}

TEST(AttestBaseline, BadDocumentsAreRefusedNamingFileAndPlace) {
  auto err = [](const std::string& text) -> std::string {
    try {
      read_baseline_text(text, "golden.json");
    } catch (const InputError& e) {
      return e.what();
    }
    ADD_FAILURE() << "accepted: " << text;
    return "";
  };
  EXPECT_NE(err("{\"schema\":\"supplyguard.baseline/1\",").find("golden.json: byte"), std::string::npos);
  TempDir d;
  auto b = create_baseline({sg::test::snapshot_of(d, sg::test::host_config("B", 1))}, {});
  sign_baseline(b, generate_keypair());
  const auto good = Json::parse(to_json(b).dump());
  auto j = good;
  j["quorum"] = 7;
  EXPECT_NE(err(j.dump()).find("quorum"), std::string::npos);
  j = good;
  j["signature"]["value"] = "abcd";
  EXPECT_NE(err(j.dump()).find("signature: value must be 128 hex digits"), std::string::npos) << err(j.dump());
  j = good;
  j["eventlog"]["pcrs"]["0"][1].erase("digest");
  EXPECT_NE(err(j.dump()).find("eventlog.pcrs.0[1]: missing \"digest\""), std::string::npos) << err(j.dump());
  j = good;
  j["schema"] = "supplyguard.snapshot/1";
  EXPECT_NE(err(j.dump()).find("expected \"supplyguard.baseline/1\""), std::string::npos);
}

TEST(AttestKeys, FilesRoundTripAndWrongFilesAreRefused) {
  TempDir d;
  const auto k = generate_keypair();
  write_keypair(k, d.path / "g.key");
  EXPECT_EQ(read_secret_key(d.path / "g.key").pub, k.pub);
  EXPECT_EQ(read_public_key(d.path / "g.key.pub"), k.pub);
  EXPECT_THROW(read_secret_key(d.path / "g.key.pub"), InputError);  // a public key given as --key
  EXPECT_THROW(read_public_key(d.path / "g.key"), InputError);
  EXPECT_THROW(write_keypair(k, d.path / "g.key"), std::runtime_error);  // never overwrites a key
  EXPECT_EQ(std::filesystem::status(d.path / "g.key").permissions() & std::filesystem::perms::group_read,
            std::filesystem::perms::none);
}
