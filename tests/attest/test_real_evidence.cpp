// attest on real evidence (issue 11): real sysfs captures as --root, real SMBIOS tables and real
// TCG event logs placed where a host has them. The shared data is never copied: each test root
// links to it (a symlink is what the kernel would show, and is not a copy).
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "supplyguard/attest/baseline.hpp"
#include "supplyguard/attest/eventlog.hpp"
#include "supplyguard/attest/smbios.hpp"
#include "supplyguard/attest/snapshot.hpp"
#include "supplyguard/attest/verify.hpp"
#include "supplyguard/core/error.hpp"
#include "tree_util.hpp"

namespace fs = std::filesystem;
using namespace sg::attest;
using sg::test::TempDir;

namespace {

const fs::path kShared = fs::path(SG_SOURCE_DIR) / ".." / "shared";

// The real item, or a skip saying what is missing.
#define REAL_OR_SKIP(var, rel)                                                                         \
  const fs::path var = (kShared / (rel)).lexically_normal();                                           \
  if (std::error_code ec_; !fs::exists(var, ec_))                                                     \
  GTEST_SKIP() << "real data " << var << " is absent (see ../shared/real/SOURCES.md); skipping"

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

void link(const fs::path& target, const fs::path& at) {
  fs::create_directories(at.parent_path());
  fs::create_symlink(target, at);
}

Snapshot snap(const fs::path& root) {
  CollectOptions o;
  o.root = root;
  o.collected_at = "2026-12-02T12:00:00.000000Z";
  return collect_snapshot(o);
}

const Component* find(const Snapshot& s, const std::string& id) {
  for (const auto& c : s.components)
    if (c.id == id) return &c;
  return nullptr;
}

const Unreadable* gap(const Snapshot& s, const std::string& path) {
  for (const auto& u : s.unreadable)
    if (u.path == path) return &u;
  return nullptr;
}

std::size_t count_type(const std::vector<sg::core::Finding>& fs_, const std::string& type) {
  std::size_t n = 0;
  for (const auto& f : fs_) n += f.type == type;
  return n;
}

std::string dump(const std::vector<sg::core::Finding>& fs_) {
  std::string out;
  for (const auto& f : fs_) out += f.host + " " + f.type + " " + f.subject + ": " + f.summary + "\n";
  return out;
}

}  // namespace

// ---- §4 identity on real roots -------------------------------------------------------------

TEST(AttestReal, SupermicroCaptureWithOnlyTheVirtualDmiDeviceHasItsModel) {
  REAL_OR_SKIP(root, "real/hosts/supermicro-sys-4029gp-trt2");
  const auto s = snap(root);
  EXPECT_EQ(s.host.model, "Supermicro / SYS-4029GP-TRT2-1-NE010 / X11DPG-OT-CPU");
  ASSERT_TRUE(find(s, "dmi:bios"));
  EXPECT_EQ(find(s, "dmi:bios")->attrs.at("version"), "2.0b");
}

TEST(AttestReal, CapturedLinksStoredAsFilesAreFollowedInsideTheRoot) {
  REAL_OR_SKIP(root, "real/hosts/dell-poweredge-r910");
  const auto s = snap(root);
  EXPECT_EQ(s.host.model, "Dell Inc. / PowerEdge R910 / 0JRJM9");
  const auto* nic = find(s, "pci:0000:02:00.0");
  ASSERT_TRUE(nic);
  EXPECT_EQ(nic->attrs.at("vendor"), "0x14e4");  // Broadcom NetXtreme II
  EXPECT_EQ(nic->attrs.at("driver"), "bnx2");
  ASSERT_TRUE(find(s, "net:eth0"));
  EXPECT_EQ(find(s, "net:eth0")->attrs.at("parent"), "0000:02:00.0");
  ASSERT_TRUE(find(s, "disk:sda"));
  EXPECT_EQ(find(s, "disk:sda")->attrs.at("model"), "PERC H700");
  for (const auto& u : s.unreadable)  // no attribute read failed for want of following a link
    if (u.attribute != "rom_sha256")    // (empty ROM files: next test)
      EXPECT_EQ(u.path.find("sys/bus/pci/devices/0000"), std::string::npos) << u.path << ": " << u.why;
}

TEST(AttestReal, ZeroByteRomIsReportedUnreadableNotHashed) {
  REAL_OR_SKIP(root, "real/hosts/dell-poweredge-r910");
  const auto s = snap(root);
  const auto* raid = find(s, "pci:0000:01:00.0");  // its rom file is empty in the capture
  ASSERT_TRUE(raid);
  EXPECT_EQ(raid->attrs.count("rom_sha256"), 0u) << raid->attrs.at("rom_sha256");
  const auto* u = gap(s, "sys/bus/pci/devices/0000:01:00.0/rom");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->category, "pci");
  EXPECT_EQ(u->component, "pci:0000:01:00.0");
  EXPECT_EQ(u->attribute, "rom_sha256");
  EXPECT_NE(u->why.find("0 bytes"), std::string::npos) << u->why;
}

TEST(AttestReal, HyperVTableKeepsEveryStructureBeforeItsBreak) {
  REAL_OR_SKIP(dmi, "real/smbios/hyperv-vm-broken/DMI");
  std::ifstream in(dmi, std::ios::binary);
  const std::vector<std::uint8_t> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_THROW(parse_smbios(raw, dmi.string()), sg::core::InputError);
  const auto t = parse_smbios_prefix(raw, dmi.string());
  EXPECT_EQ(t.structures.size(), 5u);
  EXPECT_EQ(t.broken_offset, 478u);
  EXPECT_NE(t.broken.find("478"), std::string::npos) << t.broken;

  TempDir d;
  link(dmi, d.path / "sys/firmware/dmi/tables/DMI");
  const auto s = snap(d.path);
  EXPECT_EQ(s.host.model, "Microsoft Corporation / Virtual Machine / Virtual Machine");
  ASSERT_TRUE(find(s, "dmi:bios"));
  EXPECT_EQ(find(s, "dmi:bios")->attrs.at("version"), "090008");  // "090008 " in the table
  const auto* u = gap(s, "sys/firmware/dmi/tables/DMI");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->category, "dmi");
  EXPECT_NE(u->why.find("478"), std::string::npos) << u->why;
  EXPECT_NE(u->why.find("kept the 5 structures"), std::string::npos) << u->why;
}

TEST(AttestReal, EveryOtherRealTableParsesWhole) {
  REAL_OR_SKIP(dir, "real/smbios");
  for (const auto& e : fs::directory_iterator(dir)) {
    if (!fs::exists(e.path() / "DMI") || e.path().filename() == "hyperv-vm-broken") continue;
    std::ifstream in(e.path() / "DMI", std::ios::binary);
    const std::vector<std::uint8_t> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto t = parse_smbios_prefix(raw, e.path().string());
    EXPECT_EQ(t.broken, "") << e.path();
    EXPECT_GT(t.structures.size(), 20u) << e.path();
  }
}

TEST(AttestReal, HostnameFallsBackToEtcHostnameThenSmbiosSerialThenUuidAndSaysWhich) {
  REAL_OR_SKIP(lenovo, "real/smbios/lenovo-thinkpad-t480/DMI");
  REAL_OR_SKIP(gigabyte, "real/smbios/gigabyte-x399/DMI");
  TempDir d;
  link(lenovo, d.path / "a/sys/firmware/dmi/tables/DMI");
  const auto a = snap(d.path / "a");
  EXPECT_EQ(a.host.hostname, "PC131TBF");
  EXPECT_EQ(a.host.hostname_source, "smbios:serial");

  link(gigabyte, d.path / "b/sys/firmware/dmi/tables/DMI");  // serial "Default string": a placeholder
  const auto b = snap(d.path / "b");
  EXPECT_EQ(b.host.hostname, "032e02b4-0499-0533-a106-940700080009");
  EXPECT_EQ(b.host.hostname_source, "smbios:uuid");

  link(lenovo, d.path / "c/sys/firmware/dmi/tables/DMI");
  write(d.path / "c/etc/hostname", "rack7-node3\n");
  const auto c = snap(d.path / "c");
  EXPECT_EQ(c.host.hostname, "rack7-node3");
  EXPECT_EQ(c.host.hostname_source, "etc/hostname");

  const auto j = read_snapshot_text(to_json(a).dump(), "a.json");  // the source survives JSON
  EXPECT_EQ(j.host.hostname_source, "smbios:serial");
}

// ---- §2 one firmware reads the same whichever path collected it ----------------------------

// What the kernel shows in sys/class/dmi/id for the ASUS UX305LA table (dmidecode's strings,
// padding included: the kernel does not strip it, readers do).
void write_asus_dmi_id(const fs::path& root, bool with_bios_release) {
  const fs::path id = root / "sys/class/dmi/id";
  write(id / "bios_vendor", "American Megatrends Inc.\n");
  write(id / "bios_version", "UX305LA.206\n");
  write(id / "bios_date", "08/03/2015\n");
  if (with_bios_release) write(id / "bios_release", "5.6\n");
  write(id / "sys_vendor", "ASUSTeK COMPUTER INC.\n");
  write(id / "product_name", "UX305LA\n");
  write(id / "product_version", "1.0       \n");
  write(id / "board_vendor", "ASUSTeK COMPUTER INC.\n");
  write(id / "board_name", "UX305LA\n");
  write(id / "board_version", "1.0       \n");
}

TEST(AttestReal, SmbiosPaddingReadsTheSameFromTheRawTableAndFromSysfs) {
  REAL_OR_SKIP(dmi, "real/smbios/asus-ux307la/DMI");
  TempDir d;
  link(dmi, d.path / "raw/sys/firmware/dmi/tables/DMI");
  write_asus_dmi_id(d.path / "sysfs", true);
  const auto raw = snap(d.path / "raw");
  const auto sys = snap(d.path / "sysfs");
  EXPECT_EQ(raw.host.model, sys.host.model);
  for (const char* id : {"dmi:bios", "dmi:system", "dmi:baseboard"}) {
    ASSERT_TRUE(find(raw, id) && find(sys, id)) << id;
    for (const auto& [k, v] : find(sys, id)->attrs) EXPECT_EQ(find(raw, id)->attrs.at(k), v) << id << " " << k;
  }
  EXPECT_EQ(find(raw, "dmi:system")->attrs.at("version"), "1.0");
}

// ---- §2 missing evidence is not a change ---------------------------------------------------

// Three root snapshots of one machine (raw table readable) and one taken without root: the
// kernel's sys/class/dmi/id only (the raw table answers EACCES; a directory in its place makes
// the read fail the same way for a test that runs as root). This kernel has no bios_release.
struct RootAndNonRoot {
  TempDir d;
  std::vector<Snapshot> root, nonroot;
  explicit RootAndNonRoot(const fs::path& dmi) {
    for (int i = 0; i < 3; ++i) {
      const fs::path r = d.path / ("root" + std::to_string(i));
      link(dmi, r / "sys/firmware/dmi/tables/DMI");
      write_asus_dmi_id(r, false);
      write(r / "etc/hostname", "asus-" + std::to_string(i) + "\n");
      root.push_back(snap(r));
    }
    const fs::path n = d.path / "nonroot";
    fs::create_directories(n / "sys/firmware/dmi/tables/DMI");
    write_asus_dmi_id(n, false);
    write(n / "etc/hostname", "asus-user\n");
    nonroot.push_back(snap(n));
  }
};

TEST(AttestReal, NonRootSnapshotAgainstRootBaselineIsOneIncompleteFindingNotChanges) {
  REAL_OR_SKIP(dmi, "real/smbios/asus-ux307la/DMI");
  RootAndNonRoot m(dmi);
  ASSERT_EQ(m.root[0].host.model, m.nonroot[0].host.model);
  BaselineOptions o;
  o.created_at = "2026-12-02T12:00:00.000000Z";
  const auto b = create_baseline(m.root, o);
  const auto fs_ = verify_snapshot(m.nonroot[0], b);
  EXPECT_EQ(count_type(fs_, "component_removed"), 0u) << dump(fs_);
  EXPECT_EQ(count_type(fs_, "component_changed"), 0u) << dump(fs_);
  ASSERT_EQ(fs_.size(), 1u) << dump(fs_);
  EXPECT_EQ(fs_[0].type, "evidence_unreadable");
  EXPECT_EQ(fs_[0].subject, "dmi");
  EXPECT_EQ(fs_[0].fields.at("side"), "host");
  EXPECT_NE(fs_[0].summary.find("sys/firmware/dmi/tables/DMI"), std::string::npos) << fs_[0].summary;
}

TEST(AttestReal, IncompleteEvidenceStillCatchesAChangeItCanSee) {
  REAL_OR_SKIP(dmi, "real/smbios/asus-ux307la/DMI");
  RootAndNonRoot m(dmi);
  BaselineOptions o;
  o.created_at = "2026-12-02T12:00:00.000000Z";
  const auto b = create_baseline(m.root, o);
  auto flashed = m.nonroot[0];
  for (auto& c : flashed.components)
    if (c.id == "dmi:bios") c.attrs["version"] = "UX305LA.999";
  const auto fs_ = verify_snapshot(flashed, b);
  ASSERT_EQ(count_type(fs_, "component_changed"), 1u) << dump(fs_);
}

TEST(AttestReal, RootSnapshotAgainstNonRootBaselineIsNotAccusedOfAddedParts) {
  REAL_OR_SKIP(dmi, "real/smbios/asus-ux307la/DMI");
  RootAndNonRoot m(dmi);
  BaselineOptions o;
  o.created_at = "2026-12-02T12:00:00.000000Z";
  const auto b = create_baseline(m.nonroot, o);
  EXPECT_EQ(b.incomplete, std::vector<std::string>{"dmi"});
  const auto back = read_baseline_text(to_json(b).dump(), "b.json");  // survives its JSON form
  EXPECT_EQ(back.incomplete, b.incomplete);
  const auto fs_ = verify_snapshot(m.root[0], back);
  EXPECT_EQ(count_type(fs_, "component_added"), 0u) << dump(fs_);
  EXPECT_EQ(count_type(fs_, "component_changed"), 0u) << dump(fs_);
  ASSERT_EQ(fs_.size(), 1u) << dump(fs_);
  EXPECT_EQ(fs_[0].type, "evidence_unreadable");
  EXPECT_EQ(fs_[0].fields.at("side"), "baseline");
}

TEST(AttestReal, InConsensusTheHostWithMoreEvidenceIsNotTheOneAccused) {
  REAL_OR_SKIP(dmi, "real/smbios/asus-ux307la/DMI");
  RootAndNonRoot m(dmi);
  for (std::size_t roots : {1u, 3u}) {
    std::vector<Snapshot> group(m.root.begin(), m.root.begin() + long(roots));
    group.push_back(m.nonroot[0]);
    for (const auto& f : verify_consensus(group)) {
      EXPECT_EQ(f.type, "evidence_unreadable") << roots << " root hosts: " << f.host << " " << f.summary;
      EXPECT_EQ(f.host, "asus-user") << roots << " root hosts: " << f.summary;
    }
  }
}

// ---- §3 volatile attributes ----------------------------------------------------------------

// A USB 1.1 root hub as the kernel shows it: its strings name the running kernel.
void write_root_hub(const fs::path& root, const std::string& kernel, const std::string& bcd) {
  const fs::path u = root / "sys/bus/usb/devices/usb1";
  write(u / "idVendor", "1d6b\n");
  write(u / "idProduct", "0001\n");
  write(u / "manufacturer", "Linux " + kernel + " uhci_hcd\n");
  write(u / "product", "UHCI Host Controller\n");
  write(u / "bcdDevice", bcd + "\n");
  write(root / "etc/hostname", "hub-" + bcd + "\n");
}

TEST(AttestReal, RealUsbRootHubRecordsItsKernelStringsAsRuntimeState) {
  REAL_OR_SKIP(hub, "real/hosts/dell-poweredge-r910/sys/devices/pci0000:00/0000:00:1a.7/usb1");
  TempDir d;
  link(hub, d.path / "sys/bus/usb/devices/usb1");
  const auto s = snap(d.path);
  const auto* c = find(s, "usb:usb1");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->attrs.count("manufacturer"), 0u);
  EXPECT_EQ(c->attrs.count("bcdDevice"), 0u);
  EXPECT_EQ(c->attrs.at("product"), "EHCI Host Controller");
  EXPECT_EQ(c->runtime.at("manufacturer"), "Linux 2.6.32-131.6.1.el6.x86_64 ehci_hcd");
  EXPECT_EQ(c->runtime.at("bcdDevice"), "0206");
}

TEST(AttestReal, KernelUpdateChangesNoRootHubDesign) {
  TempDir d;
  write_root_hub(d.path / "a", "6.8.0-31-generic", "0608");
  write_root_hub(d.path / "b", "6.14.0-35-generic", "0614");
  BaselineOptions o;
  o.created_at = "2026-12-02T12:00:00.000000Z";
  const auto b = create_baseline(std::vector<Snapshot>{snap(d.path / "a")}, o);
  const auto fs_ = verify_snapshot(snap(d.path / "b"), b);
  EXPECT_EQ(count_type(fs_, "component_changed"), 0u) << dump(fs_);

  // A baseline written before runtime attributes were split off pins them in attrs: still quiet.
  auto old = b;
  for (auto& p : old.components)
    if (p.id == "usb:usb1") p.attrs["manufacturer"] = "Linux 6.8.0-31-generic uhci_hcd", p.attrs["bcdDevice"] = "0608";
  EXPECT_EQ(count_type(verify_snapshot(snap(d.path / "b"), old), "component_changed"), 0u);
}

TEST(AttestReal, RealPciRuntimeStateIsRecordedApartFromTheDesign) {
  REAL_OR_SKIP(root, "real/hosts/dell-poweredge-r910");
  const auto s = snap(root);
  const auto* nic = find(s, "pci:0000:02:00.0");
  ASSERT_TRUE(nic);
  for (const char* k : {"irq", "numa_node", "local_cpulist", "enable"}) {
    EXPECT_EQ(nic->attrs.count(k), 0u) << k;
    EXPECT_EQ(nic->runtime.count(k), 1u) << k;
  }
  // A different IRQ or NUMA node on an otherwise identical host is no finding.
  BaselineOptions o;
  o.created_at = "2026-12-02T12:00:00.000000Z";
  const auto b = create_baseline(std::vector<Snapshot>{s}, o);
  auto moved = s;
  for (auto& c : moved.components)
    if (c.id == "pci:0000:02:00.0") c.runtime["irq"] = "99", c.runtime["numa_node"] = "3";
  EXPECT_TRUE(verify_snapshot(moved, b).empty()) << dump(verify_snapshot(moved, b));
}

// ---- §1 one replay, used by collection and verification ------------------------------------

TEST(AttestReal, CollectorReplaysEveryRealLogToItsPublishedPcrsAndVerifyAgrees) {
  REAL_OR_SKIP(dir, "tcg-eventlogs");
  int checked = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() != ".bin") continue;
    auto known = e.path();
    known.replace_extension(".pcrs.json");
    if (!fs::exists(known)) continue;
    const auto j = nlohmann::json::parse(std::ifstream(known));
    TempDir d;
    link(e.path(), d.path / "sys/kernel/security/tpm0/binary_bios_measurements");
    for (const auto& [alg, bank] : j.items())  // what the TPM would report beside the log
      for (const auto& [pcr, hex] : bank.items())
        write(d.path / "sys/class/tpm/tpm0" / ("pcr-" + alg) / pcr, hex.get<std::string>() + "\n");
    const auto s = snap(d.path);
    ASSERT_TRUE(s.eventlog.present) << e.path();
    for (const auto& [alg, bank] : j.items())
      for (const auto& [pcr, hex] : bank.items()) {
        const auto n = std::uint32_t(std::stoul(pcr));
        if (!s.eventlog.replayed.at(alg).count(n)) continue;  // not measured by firmware (IMA, 16-23)
        EXPECT_EQ(s.eventlog.replayed.at(alg).at(n), hex.get<std::string>()) << e.path() << " PCR " << pcr;
        ++checked;
      }
    EXPECT_TRUE(check_replay(s).empty()) << e.path() << "\n" << dump(check_replay(s));
    // The verifier's replay of the recorded events is the collector's: a snapshot read back from
    // JSON replays the same, and one altered TPM value is named.
    auto back = read_snapshot_text(to_json(s).dump(), "s.json");
    EXPECT_TRUE(check_replay(back).empty()) << e.path();
    std::string* pcr0 = nullptr;
    for (auto& [alg, bank] : back.eventlog.tpm_pcrs)
      if (back.eventlog.replayed.count(alg) && back.eventlog.replayed.at(alg).count(0) && bank.count(0))
        pcr0 = &bank.at(0);
    ASSERT_TRUE(pcr0) << e.path() << ": no PCR 0 both replayed and published";
    (*pcr0)[0] = (*pcr0)[0] == '0' ? '1' : '0';
    const auto bad = check_replay(back);
    ASSERT_EQ(bad.size(), 1u) << e.path();
    EXPECT_EQ(bad[0].subject, "pcr:0");
  }
  if (checked == 0) GTEST_SKIP() << "no <name>.bin with <name>.pcrs.json in " << dir;
}

// A link stand-in is followed only inside the root: a capture must not make us read the live host
// or a neighbouring directory.
TEST(AttestReal, LinkStandInsNeverLeaveTheRoot) {
  TempDir d;
  write(d.path / "outside/vendor", "0xdead\n");
  write(d.path / "r/sys/devices/pci0000:00/0000:00:02.0/vendor", "0x8086\n");
  write(d.path / "r/sys/bus/pci/devices/0000:00:01.0", "../../../../../outside");  // one level too many
  write(d.path / "r/sys/bus/pci/devices/0000:00:02.0", "../../../devices/pci0000:00/0000:00:02.0");
  write(d.path / "r/sys/bus/pci/devices/0000:00:03.0", (d.path / "outside").string());  // absolute
  const auto s = snap(d.path / "r");
  ASSERT_TRUE(find(s, "pci:0000:00:02.0"));
  EXPECT_EQ(find(s, "pci:0000:00:02.0")->attrs.at("vendor"), "0x8086");
  for (const char* id : {"pci:0000:00:01.0", "pci:0000:00:03.0"}) {
    ASSERT_TRUE(find(s, id)) << id;
    EXPECT_EQ(find(s, id)->attrs.count("vendor"), 0u) << id;
  }
}

// Modules too: a golden host whose proc/modules could not be read abstains, so the hosts that
// could read theirs still pin the module set and a changed driver is caught.
TEST(AttestReal, HostThatCouldNotReadModulesAbstainsFromTheModuleQuorum) {
  TempDir d;
  const auto a = sg::test::snapshot_of(d, sg::test::host_config("A", 1));
  auto cfg = sg::test::host_config("A", 2);
  const auto b_root = d.path / cfg.hostname;
  write_host_tree(cfg, b_root);
  fs::remove(b_root / "proc/modules");
  fs::create_directories(b_root / "proc/modules");  // exists, read fails: like EACCES
  const auto b = snap(b_root);
  ASSERT_TRUE(b.modules.empty());
  BaselineOptions o;
  o.quorum = 0.9;
  o.created_at = "2026-12-02T12:00:00.000000Z";
  const auto golden = create_baseline(std::vector<Snapshot>{a, b}, o);
  EXPECT_FALSE(golden.modules.empty());
  const auto planted = sg::test::snapshot_of(d, sg::test::host_config("A", 3, {Plant::module_changed}));
  EXPECT_EQ(count_type(verify_snapshot(planted, golden), "module_changed"), 1u) << dump(verify_snapshot(planted, golden));
  EXPECT_EQ(count_type(verify_snapshot(b, golden), "module_changed"), 0u);
}
