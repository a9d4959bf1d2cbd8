// Snapshot collection over generated host trees: what is read, canonical JSON, gaps and
// hostile evidence.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>

#include "supplyguard/attest/digest.hpp"
#include "supplyguard/attest/verify.hpp"
#include "supplyguard/core/error.hpp"
#include "tree_util.hpp"

using namespace sg::attest;
using sg::core::InputError;
using sg::test::TempDir;

namespace {

const Component* find(const Snapshot& s, const std::string& id) {
  for (const auto& c : s.components)
    if (c.id == id) return &c;
  return nullptr;
}

void write(const std::filesystem::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

}  // namespace

TEST(AttestSnapshot, ReadsEveryEvidenceSourceOfAGeneratedServer) {
  TempDir d;
  auto cfg = sg::test::host_config("A", 4);
  cfg.addresses = {"10.0.1.14", "2001:db8::14", "10.0.2.14"};
  const auto s = sg::test::snapshot_of(d, cfg);
  EXPECT_EQ(s.host.hostname, "host-A4");
  EXPECT_EQ(s.host.model, "Supermicro / SYS-1029U-TRT / X11DPU");
  EXPECT_EQ(s.host.addresses, (std::vector<std::string>{"10.0.1.14", "10.0.2.14", "2001:db8::14"}));
  EXPECT_EQ(s.host.kernel_release, "6.1.0-13-amd64");
  EXPECT_TRUE(s.unreadable.empty()) << s.unreadable.front().path << ": " << s.unreadable.front().why;

  const auto* bmc = find(s, "pci:0000:03:00.0");
  ASSERT_TRUE(bmc);
  EXPECT_EQ(bmc->attrs.at("vendor"), "0x1a03");
  EXPECT_EQ(bmc->attrs.at("device"), "0x2000");
  EXPECT_EQ(bmc->attrs.at("driver"), "ast");
  EXPECT_EQ(bmc->attrs.at("rom_sha256").size(), 64u);
  EXPECT_EQ(find(s, "pci:0000:00:00.0")->attrs.count("rom_sha256"), 0u);
  EXPECT_EQ(find(s, "pci:0000:5e:00.0")->attrs.at("device"), "0x159b");
  EXPECT_EQ(find(s, "i2c:3-0050")->attrs.at("name"), "24c02");
  EXPECT_EQ(find(s, "i2c:3-0050")->attrs.at("address"), "0x0050");
  EXPECT_FALSE(find(s, "i2c:i2c-3"));          // adapters are not clients
  EXPECT_FALSE(find(s, "usb:1-1:1.0"));        // interfaces are not devices
  EXPECT_EQ(find(s, "usb:1-1")->attrs.at("idVendor"), "046b");
  EXPECT_EQ(find(s, "net:eno1")->attrs.at("parent"), "0000:18:00.0");
  EXPECT_EQ(find(s, "net:eno1")->unit_attrs.at("mac").substr(0, 8), "3c:ec:ef");
  EXPECT_FALSE(find(s, "net:lo"));
  EXPECT_EQ(find(s, "disk:nvme0n1")->attrs.at("firmware_rev"), "EDA5202Q");
  EXPECT_FALSE(find(s, "disk:loop0"));
  EXPECT_EQ(find(s, "dmi:system")->attrs.at("product"), "SYS-1029U-TRT");
  EXPECT_EQ(find(s, "dmi:system")->unit_attrs.at("uuid").size(), 36u);
  EXPECT_EQ(find(s, "dmi:memory:P2-DIMMB1")->attrs.at("size_mb"), "32768");
  EXPECT_EQ(find(s, "dmi:memory:P2-DIMMB1")->attrs.at("part_number"), "M393A4K40CB2-CTD");
  EXPECT_EQ(find(s, "dmi:cpu:CPU2")->attrs.at("cores"), "16");
  EXPECT_EQ(find(s, "dmi:bios")->attrs.at("version"), "3.4");

  // Loaded modules only, each hashed as stored (compressed).
  std::vector<std::string> names;
  for (const auto& m : s.modules) names.push_back(m.name);
  EXPECT_EQ(std::count(names.begin(), names.end(), "ipmi_si"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "e1000e"), 0);
  for (const auto& m : s.modules) {
    std::string why;
    const auto file = d.path / cfg.hostname / "lib/modules/6.1.0-13-amd64" / m.path;
    EXPECT_EQ(m.sha256, sha256_file(file, why)->sha256) << m.name;
  }
  ASSERT_EQ(s.firmware.size(), 3u);
  EXPECT_EQ(s.firmware[1].path, "intel-ucode/06-55-04");

  EXPECT_TRUE(s.eventlog.present);
  EXPECT_EQ(s.eventlog.algorithms, (std::vector<std::string>{"sha1", "sha256"}));
  EXPECT_EQ(s.eventlog.startup_locality, 3u);
  std::map<std::uint32_t, std::string> tpm_measured;  // PCRs 0-9 received extends
  for (const auto& [pcr, hex] : s.eventlog.tpm_pcrs.at("sha256"))
    if (pcr <= 9) tpm_measured[pcr] = hex;
  EXPECT_EQ(s.eventlog.replayed.at("sha256"), tpm_measured);
  EXPECT_TRUE(check_replay(s).empty());
}

TEST(AttestSnapshot, IsDeterministicAndRoundTripsThroughJson) {
  TempDir d1, d2;
  const auto cfg = sg::test::host_config("B", 9, {Plant::extra_i2c});
  const auto a = to_json(sg::test::snapshot_of(d1, cfg));
  auto b = to_json(sg::test::snapshot_of(d2, cfg));
  b["root"] = a["root"];  // the only thing that depends on where the tree is
  EXPECT_EQ(a.dump(), b.dump());
  const auto text = a.dump(2);
  EXPECT_EQ(to_json(read_snapshot_text(text, "s.json")).dump(2), text);
}

TEST(AttestSnapshot, HostsOfOneModelShareTheModelKeyButNotTheirSerials) {
  TempDir d;
  const auto a = sg::test::snapshot_of(d, sg::test::host_config("A", 1));
  const auto b = sg::test::snapshot_of(d, sg::test::host_config("A", 2));
  EXPECT_EQ(a.host.model, b.host.model);
  EXPECT_NE(find(a, "dmi:system")->unit_attrs, find(b, "dmi:system")->unit_attrs);
  EXPECT_EQ(find(a, "dmi:system")->attrs, find(b, "dmi:system")->attrs);
}

TEST(AttestSnapshot, EmptyRootListsWhatItCouldNotReadAndDoesNotFail) {
  TempDir d;
  CollectOptions o;
  o.root = d.path;
  const auto s = collect_snapshot(o);
  EXPECT_EQ(s.host.hostname, "unknown");
  EXPECT_EQ(s.host.model, "unknown");
  EXPECT_TRUE(s.components.empty());
  std::set<std::string> paths;
  for (const auto& u : s.unreadable) paths.insert(u.path);
  for (const char* p : {"sys/bus/pci/devices", "proc/modules", "lib/firmware",
                        "sys/kernel/security/tpm0/binary_bios_measurements", "sys/firmware/dmi/tables/DMI", "proc/net"})
    EXPECT_TRUE(paths.count(p)) << p;
}

TEST(AttestSnapshot, HostnameFallsBackToEtcHostname) {
  TempDir d;
  std::filesystem::create_directories(d.path / "etc");
  write(d.path / "etc/hostname", "db-7\n");
  CollectOptions o;
  o.root = d.path;
  EXPECT_EQ(collect_snapshot(o).host.hostname, "db-7");
}

TEST(AttestSnapshot, HostileDmiTableFallsBackToSysfsAndSaysWhereItBroke) {
  TempDir d;
  const auto cfg = sg::test::host_config("A", 2);
  const auto root = d.path / cfg.hostname;
  write_host_tree(cfg, root);
  write(root / "sys/firmware/dmi/tables/DMI", std::string("\x01\x1b\x00\x00", 4) + "abc");
  CollectOptions o;
  o.root = root;
  const auto s = collect_snapshot(o);
  EXPECT_EQ(s.host.model, "Supermicro / SYS-1029U-TRT / X11DPU");  // from sys/class/dmi/id
  ASSERT_EQ(s.unreadable.size(), 1u);
  EXPECT_EQ(s.unreadable[0].path, "sys/firmware/dmi/tables/DMI");
  EXPECT_NE(s.unreadable[0].why.find("byte 0"), std::string::npos) << s.unreadable[0].why;
}

TEST(AttestSnapshot, TruncatedEventLogIsRecordedAsUnreadableWithItsOffset) {
  TempDir d;
  const auto cfg = sg::test::host_config("B", 2);
  const auto root = d.path / cfg.hostname;
  write_host_tree(cfg, root);
  const auto log = root / "sys/kernel/security/tpm0/binary_bios_measurements";
  std::filesystem::resize_file(log, std::filesystem::file_size(log) - 7);
  CollectOptions o;
  o.root = root;
  const auto s = collect_snapshot(o);
  EXPECT_FALSE(s.eventlog.present);
  ASSERT_EQ(s.unreadable.size(), 1u);
  EXPECT_NE(s.unreadable[0].why.find("binary_bios_measurements: byte "), std::string::npos) << s.unreadable[0].why;
}

TEST(AttestSnapshot, LiveRootSnapshotsWithoutFailing) {
  CollectOptions o;
  o.root = "/";
  const auto s = collect_snapshot(o);
  EXPECT_NE(s.host.hostname, "");
  // Whatever this machine lacks is listed, never fatal; its JSON reads back.
  const auto again = read_snapshot_text(to_json(s).dump(), "live.json");
  EXPECT_EQ(again.components.size(), s.components.size());
  std::error_code ec;
  if (std::filesystem::exists("/sys/kernel/security/tpm0/binary_bios_measurements", ec)) {
    bool unreadable = false;
    for (const auto& u : s.unreadable) unreadable |= u.path.find("binary_bios_measurements") != std::string::npos;
    EXPECT_TRUE(s.eventlog.present || unreadable);
    if (s.eventlog.present) {
      EXPECT_FALSE(s.eventlog.events.empty());
    }
  }
}

TEST(AttestSnapshotJson, BadDocumentsAreRefusedNamingFileAndPlace) {
  auto err = [](const std::string& text) -> std::string {
    try {
      read_snapshot_text(text, "bad.json");
    } catch (const InputError& e) {
      EXPECT_EQ(e.where().source, "bad.json");
      return e.what();
    }
    ADD_FAILURE() << "accepted: " << text;
    return "";
  };
  EXPECT_NE(err("{\"schema\": ").find("bad.json: byte"), std::string::npos);
  EXPECT_NE(err("[]").find("expected an object"), std::string::npos);
  EXPECT_NE(err("{\"schema\":\"other/1\"}").find("schema"), std::string::npos);
  TempDir d;
  auto good = to_json(sg::test::snapshot_of(d, sg::test::host_config("A", 1)));
  auto j = good;
  j["host"].erase("model");
  EXPECT_NE(err(j.dump()).find("host: missing \"model\""), std::string::npos) << err(j.dump());
  j = good;
  j["components"][3]["attrs"]["vendor"] = 7;
  EXPECT_NE(err(j.dump()).find("components[3].attrs.vendor: expected a string"), std::string::npos) << err(j.dump());
  j = good;
  std::swap(j["components"][0], j["components"][1]);
  EXPECT_NE(err(j.dump()).find("not sorted"), std::string::npos);
  j = good;
  j["eventlog"]["tpm_pcrs"]["sha256"]["99"] = "00";
  EXPECT_NE(err(j.dump()).find("is not 0-63"), std::string::npos);
  j = good;
  j["modules"][0]["size"] = -1;
  EXPECT_NE(err(j.dump()).find("modules[0].size"), std::string::npos);
}

TEST(AttestSnapshot, BytesThatAreNotUtf8AreEscapedNotFatal) {
  TempDir d;
  const auto cfg = sg::test::host_config("A", 3);
  const auto root = d.path / cfg.hostname;
  write_host_tree(cfg, root);
  write(root / "proc/sys/kernel/hostname", "web\xff\xc3(\n");
  write(root / "sys/bus/i2c/devices/3-0050/name", "caf\xc3\xa9\n");  // valid UTF-8 stays as is
  CollectOptions o;
  o.root = root;
  const auto s = collect_snapshot(o);
  EXPECT_EQ(s.host.hostname, "web\\xFF\\xC3(");
  EXPECT_EQ(find(s, "i2c:3-0050")->attrs.at("name"), "caf\xc3\xa9");
  EXPECT_NO_THROW(to_json(s).dump());
  EXPECT_EQ(to_valid_utf8("\xed\xa0\x80"), "\\xED\\xA0\\x80");  // UTF-16 surrogate, not UTF-8
}
