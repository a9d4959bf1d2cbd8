// Fixture content: the two models, their measured-boot events, and the binary encoders for the
// SMBIOS table and the TCG event log (real layouts, so the parsers are exercised for real).
#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "host_models.hpp"
#include "supplyguard/attest/eventlog.hpp"
#include "supplyguard/gen/host_tree.hpp"

namespace sg::attest {
namespace detail {

std::uint64_t label_seed(const std::string& label) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : label) h = (h ^ c) * 1099511628211ull;
  return h;
}

Bytes det_bytes(const std::string& label, std::size_t n) {
  std::mt19937_64 rng(label_seed(label));
  Bytes out(n);
  for (std::size_t i = 0; i < n; i += 8) {
    const std::uint64_t v = rng();
    for (std::size_t k = 0; k < 8 && i + k < n; ++k) out[i + k] = std::uint8_t(v >> (8 * k));
  }
  return out;
}

namespace {

std::vector<ModuleDef> common_modules() {
  return {
      {"ipmi_si", "kernel/drivers/char/ipmi/ipmi_si.ko.xz"},
      {"ipmi_msghandler", "kernel/drivers/char/ipmi/ipmi_msghandler.ko.xz"},
      {"ipmi_devintf", "kernel/drivers/char/ipmi/ipmi_devintf.ko.xz"},
      {"igb", "kernel/drivers/net/ethernet/intel/igb/igb.ko.xz"},
      {"dca", "kernel/drivers/dca/dca.ko.xz"},
      {"ast", "kernel/drivers/gpu/drm/ast/ast.ko.xz"},
      {"i2c_i801", "kernel/drivers/i2c/busses/i2c-i801.ko.xz"},
      {"nvme", "kernel/drivers/nvme/host/nvme.ko.xz"},
      {"nvme_core", "kernel/drivers/nvme/host/nvme-core.ko.xz"},
      {"tpm_crb", "kernel/drivers/char/tpm/tpm_crb.ko"},
      {"e1000e", "kernel/drivers/net/ethernet/intel/e1000e/e1000e.ko.xz", false},
      {"usb_storage", "kernel/drivers/usb/storage/usb-storage.ko.xz", false},
  };
}

ModelDef make_a() {
  ModelDef m;
  m.key = "A";
  m.sys_vendor = "Supermicro";
  m.product = "SYS-1029U-TRT";
  m.product_version = "0123456789";
  m.board_vendor = "Supermicro";
  m.board_name = "X11DPU";
  m.board_version = "1.10";
  m.bios_vendor = "American Megatrends Inc.";
  m.bios_version = "3.4";
  m.bios_date = "10/19/2020";
  m.cpu_version = "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz";
  m.cpu_mhz = 4000;
  m.cpu_cores = 16;
  m.dimm_vendor = "Samsung";
  m.dimm_part = "M393A4K40CB2-CTD";
  m.dimms = {{"P1-DIMMA1", "P0_Node0_Channel0_Dimm0", 32768}, {"P1-DIMMB1", "P0_Node0_Channel1_Dimm0", 32768},
             {"P2-DIMMA1", "P1_Node1_Channel0_Dimm0", 32768}, {"P2-DIMMB1", "P1_Node1_Channel1_Dimm0", 32768}};
  m.pci = {
      {"0000:00:00.0", "0x8086", "0x2020", "0x15d9", "0x0948", "0x060000", "0x04", "", false},
      {"0000:00:1f.0", "0x8086", "0xa1c2", "0x15d9", "0x0948", "0x060100", "0x09", "", false},
      {"0000:00:1f.4", "0x8086", "0xa1a3", "0x15d9", "0x0948", "0x0c0500", "0x09", "i801_smbus", false},
      {"0000:02:00.0", "0x1a03", "0x1150", "0x1a03", "0x1150", "0x060400", "0x04", "", false},
      {"0000:03:00.0", "0x1a03", "0x2000", "0x15d9", "0x0948", "0x030000", "0x41", "ast", true},
      {"0000:18:00.0", "0x8086", "0x1521", "0x15d9", "0x1521", "0x020000", "0x01", "igb", true},
      {"0000:18:00.1", "0x8086", "0x1521", "0x15d9", "0x1521", "0x020000", "0x01", "igb", true},
      {"0000:5e:00.0", "0x8086", "0x159b", "0x8086", "0x0003", "0x020000", "0x02", "ice", true},
      {"0000:af:00.0", "0x144d", "0xa808", "0x144d", "0xa801", "0x010802", "0x00", "nvme", false},
  };
  m.usb = {{"usb1", "1d6b", "0002", "Linux 6.1.0-13-amd64 xhci-hcd", "xHCI Host Controller"},
           {"usb2", "1d6b", "0003", "Linux 6.1.0-13-amd64 xhci-hcd", "xHCI Host Controller"},
           {"1-1", "046b", "ff01", "American Megatrends Inc.", "Virtual Hub"}};
  m.i2c = {{"0-0050", "ee1004"}, {"0-0051", "ee1004"}, {"3-0048", "tmp75"}, {"3-0050", "24c02"}};
  m.net = {{"eno1", "0000:18:00.0"}, {"eno2", "0000:18:00.1"}, {"ens2f0", "0000:5e:00.0"}};
  m.disk_model = "SAMSUNG MZQLB960HAJR-00007";
  m.disk_fw = "EDA5202Q";
  m.modules = common_modules();
  m.modules.push_back({"ice", "kernel/drivers/net/ethernet/intel/ice/ice.ko.xz"});
  m.firmware = {"intel/ice/ddp/ice.pkg", "intel-ucode/06-55-04", "ast_dp501_fw.bin"};
  m.firmware_plant = "intel/ice/ddp/ice.pkg";
  m.rom_plant_pci = "0000:18:00.0";
  m.removed_pci = "0000:18:00.1";
  m.removed_net = "eno2";
  m.locality = 3;
  return m;
}

ModelDef make_b() {
  ModelDef m;
  m.key = "B";
  m.sys_vendor = "Dell Inc.";
  m.product = "PowerEdge R650";
  m.product_version = "Not Specified";
  m.board_vendor = "Dell Inc.";
  m.board_name = "0Y2K8N";
  m.board_version = "A02";
  m.bios_vendor = "Dell Inc.";
  m.bios_version = "1.9.2";
  m.bios_date = "01/10/2023";
  m.cpu_version = "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz";
  m.cpu_mhz = 3200;
  m.cpu_cores = 32;
  m.dimm_vendor = "Hynix";
  m.dimm_part = "HMA82GR7DJR8N-XN";
  m.dimms = {{"A1", "Not Specified", 16384}, {"A2", "Not Specified", 16384}, {"B1", "Not Specified", 16384},
             {"B2", "Not Specified", 16384}};
  m.pci = {
      {"0000:00:00.0", "0x8086", "0x09a2", "0x1028", "0x0a6b", "0x060000", "0x04", "", false},
      {"0000:00:1f.4", "0x8086", "0xa1a3", "0x1028", "0x0a6b", "0x0c0500", "0x09", "i801_smbus", false},
      {"0000:02:00.0", "0x1a03", "0x1150", "0x1a03", "0x1150", "0x060400", "0x04", "", false},
      {"0000:03:00.0", "0x1a03", "0x2000", "0x1028", "0x0a6b", "0x030000", "0x52", "ast", true},
      {"0000:04:00.0", "0x8086", "0x1521", "0x1028", "0x1f60", "0x020000", "0x01", "igb", true},
      {"0000:04:00.1", "0x8086", "0x1521", "0x1028", "0x1f60", "0x020000", "0x01", "igb", true},
      {"0000:65:00.0", "0x8086", "0x0a54", "0x1028", "0x2003", "0x010802", "0x00", "nvme", false},
  };
  m.usb = {{"usb1", "1d6b", "0002", "Linux 6.1.0-13-amd64 xhci-hcd", "xHCI Host Controller"},
           {"usb2", "1d6b", "0003", "Linux 6.1.0-13-amd64 xhci-hcd", "xHCI Host Controller"},
           {"1-1", "1d6b", "0107", "Linux Foundation", "USB Virtual Hub"}};
  m.i2c = {{"0-0050", "ee1004"}, {"0-0051", "ee1004"}, {"0-0052", "ee1004"}, {"0-0053", "ee1004"},
           {"3-0049", "lm75"}};
  m.net = {{"eno1", "0000:04:00.0"}, {"eno2", "0000:04:00.1"}};
  m.disk_model = "INTEL SSDPE2KX010T8";
  m.disk_fw = "VDV10170";
  m.modules = common_modules();
  m.firmware = {"intel-ucode/06-6a-06", "ast_dp501_fw.bin"};
  m.firmware_plant = "intel-ucode/06-6a-06";
  m.rom_plant_pci = "0000:04:00.0";
  m.removed_pci = "0000:04:00.1";
  m.removed_net = "eno2";
  m.locality = 0;
  return m;
}

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(std::uint8_t(v));
  b.push_back(std::uint8_t(v >> 8));
}
void put32(Bytes& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(std::uint8_t(v >> (8 * i)));
}
Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }
Bytes utf16(const std::string& s) {
  Bytes b;
  for (char c : s) put16(b, std::uint8_t(c));
  put16(b, 0);
  return b;
}

// SMBIOS structure builder: formatted area plus a string-set.
struct Structure {
  Bytes f;
  std::vector<std::string> strings;
  Structure(std::uint8_t type, std::uint16_t handle, std::size_t length) : f(length, 0) {
    f[0] = type;
    f[1] = std::uint8_t(length);
    f[2] = std::uint8_t(handle);
    f[3] = std::uint8_t(handle >> 8);
  }
  void str(std::size_t off, const std::string& s) {
    if (s.empty()) return;
    strings.push_back(s);
    f[off] = std::uint8_t(strings.size());
  }
  void u8(std::size_t off, std::uint8_t v) { f[off] = v; }
  void u16(std::size_t off, std::uint16_t v) {
    f[off] = std::uint8_t(v);
    f[off + 1] = std::uint8_t(v >> 8);
  }
  void u32(std::size_t off, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) f[off + i] = std::uint8_t(v >> (8 * i));
  }
  void append_to(Bytes& out) const {
    out.insert(out.end(), f.begin(), f.end());
    if (strings.empty()) {
      out.push_back(0);
      out.push_back(0);
      return;
    }
    for (const auto& s : strings) {
      out.insert(out.end(), s.begin(), s.end());
      out.push_back(0);
    }
    out.push_back(0);
  }
};

std::string serial(std::uint64_t seed, const std::string& what, std::size_t n) {
  static const char* alnum = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ";
  const Bytes b = detail::det_bytes(what + ":" + std::to_string(seed), n);
  std::string s;
  for (auto c : b) s += alnum[c % 33];
  return s;
}

}  // namespace

const ModelDef& model_def(const std::string& key) {
  static const ModelDef a = make_a(), b = make_b();
  if (key == "A") return a;
  if (key == "B") return b;
  throw std::invalid_argument("unknown model \"" + key + "\" (A or B)");
}

}  // namespace detail

std::uint8_t fixture_startup_locality(const std::string& model) { return detail::model_def(model).locality; }

namespace {

// UEFI structures as firmware writes them into event data (TCG PC Client PFP, UEFI spec), so
// that independent parsers (tpm2-tools' tpm2_eventlog) read our fixture logs like real ones.
void put64(Bytes& b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(std::uint8_t(v >> (8 * i)));
}
// EFI_GUID: three little-endian fields, then eight bytes in order.
void put_guid(Bytes& b, std::uint32_t a, std::uint16_t c, std::uint16_t d, std::uint64_t tail) {
  detail::put32(b, a);
  detail::put16(b, c);
  detail::put16(b, d);
  for (int i = 7; i >= 0; --i) b.push_back(std::uint8_t(tail >> (8 * i)));
}
void global_variable_guid(Bytes& b) { put_guid(b, 0x8BE4DF61, 0x93CA, 0x11D2, 0xAA0D00E098032B8Cull); }
void image_security_db_guid(Bytes& b) { put_guid(b, 0xD719B2CB, 0x3D3A, 0x4596, 0xA3BCDAD00E67656Full); }

// UEFI_VARIABLE_DATA: VariableName GUID, name length (CHAR16s), data length, name, data.
Bytes efi_variable(bool security_db, const std::string& name, const Bytes& data) {
  Bytes b;
  if (security_db) image_security_db_guid(b);
  else global_variable_guid(b);
  put64(b, name.size());
  put64(b, data.size());
  for (char c : name) detail::put16(b, std::uint8_t(c));
  b.insert(b.end(), data.begin(), data.end());
  return b;
}

// UEFI_IMAGE_LOAD_EVENT with a media file-path device path (\EFI\debian\<file>) and end node.
Bytes image_load(std::uint64_t base, std::uint64_t length, const std::string& file) {
  Bytes path;
  Bytes name;
  for (char c : "\\EFI\\debian\\" + file) detail::put16(name, std::uint8_t(c));
  detail::put16(name, 0);
  path.push_back(0x04);  // media device path
  path.push_back(0x04);  // file path
  detail::put16(path, std::uint16_t(4 + name.size()));
  path.insert(path.end(), name.begin(), name.end());
  path.insert(path.end(), {0x7F, 0xFF, 0x04, 0x00});  // end of entire device path
  Bytes b;
  put64(b, base);
  put64(b, length);
  put64(b, 0);
  put64(b, path.size());
  b.insert(b.end(), path.begin(), path.end());
  return b;
}

// UEFI_PLATFORM_FIRMWARE_BLOB: where the measured firmware volume sits.
Bytes firmware_blob(std::uint64_t base, std::uint64_t length) {
  Bytes b;
  put64(b, base);
  put64(b, length);
  return b;
}

// UEFI_HANDOFF_TABLE_POINTERS with the SMBIOS 3 table.
Bytes handoff_smbios(std::uint64_t address) {
  Bytes b;
  put64(b, 1);
  put_guid(b, 0xF2FD1544, 0x9794, 0x4A2C, 0x992EE5BBCF20E394ull);
  put64(b, address);
  return b;
}

}  // namespace

std::vector<FixtureEvent> fixture_events(const std::string& model, const std::vector<Plant>& plants) {
  const auto& m = detail::model_def(model);
  auto has = [&](Plant p) { return std::find(plants.begin(), plants.end(), p) != plants.end(); };
  using detail::det_bytes;
  std::vector<FixtureEvent> ev;
  Bytes loc = detail::text("StartupLocality");
  loc.push_back(0);
  loc.push_back(m.locality);
  ev.push_back({0, kEvNoAction, loc, {}});
  ev.push_back({0, 0x8, detail::utf16(m.bios_version), {}});  // EV_S_CRTM_VERSION
  // EV_EFI_PLATFORM_FIRMWARE_BLOB: the event says where the volume is; the digest is its content.
  ev.push_back({0, 0x80000008, firmware_blob(0xFF000000, 0x400000), det_bytes("fv-main:" + m.key, 4096)});
  Bytes dxe = det_bytes("fv-dxe:" + m.key, 4096);
  if (has(Plant::eventlog_altered)) dxe = det_bytes("fv-dxe-implant", 4096);  // a modified DXE volume
  ev.push_back({0, 0x80000008, firmware_blob(0xFF400000, 0x200000), dxe});
  ev.push_back({0, 0x1, detail::text("ACPI DATA"), det_bytes("acpi-tables:" + m.key, 2048)});  // EV_POST_CODE
  ev.push_back({1, 0xA, det_bytes("platform-config:" + m.key, 32), {}});                      // EV_PLATFORM_CONFIG_FLAGS
  ev.push_back({1, 0x80000009, handoff_smbios(0x7A6E5000), det_bytes("handoff-smbios:" + m.key, 512)});  // EV_EFI_HANDOFF_TABLES
  // EV_EFI_BOOT_SERVICES_DRIVER: an option ROM's driver, measured by its image.
  ev.push_back({2, 0x80000004, image_load(0x6F3A2000, 0x24000, "OpRom.efi"), det_bytes("option-rom-driver:" + m.key, 4096)});
  // EV_EFI_VARIABLE_DRIVER_CONFIG: Secure Boot state and (empty: setup mode) key databases.
  ev.push_back({7, 0x80000001, efi_variable(false, "SecureBoot", {0x01}), {}});
  ev.push_back({7, 0x80000001, efi_variable(false, "PK", {}), {}});
  ev.push_back({7, 0x80000001, efi_variable(false, "KEK", {}), {}});
  ev.push_back({7, 0x80000001, efi_variable(true, "db", {}), {}});
  ev.push_back({7, 0x80000001, efi_variable(true, "dbx", {}), {}});
  for (std::uint32_t pcr = 0; pcr <= 7; ++pcr) ev.push_back({pcr, kEvSeparator, Bytes(4, 0), {}});
  ev.push_back({1, 0x80000002, efi_variable(false, "BootOrder", {0x01, 0x00, 0x00, 0x00}), {}});  // EV_EFI_VARIABLE_BOOT
  // EV_EFI_BOOT_SERVICES_APPLICATION: shim and grub, measured by their PE images.
  ev.push_back({4, 0x80000003, image_load(0x6E100000, 0xEA000, "shimx64.efi"), det_bytes("shimx64.efi", 4096)});
  Bytes cert = det_bytes("db-cert-debian", 64);  // EFI_SIGNATURE_DATA: owner GUID + certificate bytes
  ev.push_back({7, 0x800000E0, efi_variable(true, "db", cert), {}});  // EV_EFI_VARIABLE_AUTHORITY
  ev.push_back({4, 0x80000003, image_load(0x6DF00000, 0x1C4000, "grubx64.efi"), det_bytes("grubx64.efi", 4096)});
  ev.push_back({5, 0x80000007, detail::text("Exit Boot Services Invocation"), {}});  // EV_EFI_ACTION
  ev.push_back({8, 0xD, detail::text("grub_cmd: linux /vmlinuz-6.1.0-13-amd64 root=/dev/nvme0n1p2 ro quiet"), {}});
  ev.push_back({9, 0xD, detail::text("/boot/vmlinuz-6.1.0-13-amd64"), {}});
  return ev;
}

Bytes encode_event_log(const std::vector<FixtureEvent>& events, std::uint8_t startup_locality) {
  using detail::put16;
  using detail::put32;
  (void)startup_locality;  // carried by the StartupLocality event in `events`
  Bytes spec;
  const char sig[16] = "Spec ID Event03";
  spec.insert(spec.end(), sig, sig + 16);
  put32(spec, 0);       // platformClass: client
  spec.push_back(0);    // specVersionMinor
  spec.push_back(2);    // specVersionMajor
  spec.push_back(2);    // specErrata
  spec.push_back(2);    // uintnSize: UINT64
  put32(spec, 2);       // numberOfAlgorithms
  put16(spec, kAlgSha1);
  put16(spec, 20);
  put16(spec, kAlgSha256);
  put16(spec, 32);
  spec.push_back(0);    // vendorInfoSize
  Bytes log;
  put32(log, 0);
  put32(log, kEvNoAction);
  log.insert(log.end(), 20, 0);
  put32(log, std::uint32_t(spec.size()));
  log.insert(log.end(), spec.begin(), spec.end());
  for (const auto& e : events) {
    put32(log, e.pcr);
    put32(log, e.type);
    put32(log, 2);
    put16(log, kAlgSha1);
    // EV_NO_ACTION events carry zero digests (they extend nothing).
    const Bytes& measured = e.measured.empty() ? e.data : e.measured;
    const Bytes d1 = e.type == kEvNoAction ? Bytes(20, 0) : *hash(kAlgSha1, measured);
    const Bytes d256 = e.type == kEvNoAction ? Bytes(32, 0) : *hash(kAlgSha256, measured);
    log.insert(log.end(), d1.begin(), d1.end());
    put16(log, kAlgSha256);
    log.insert(log.end(), d256.begin(), d256.end());
    put32(log, std::uint32_t(e.data.size()));
    log.insert(log.end(), e.data.begin(), e.data.end());
  }
  return log;
}

Bytes encode_smbios(const std::string& model, std::uint64_t seed) {
  const auto& m = detail::model_def(model);
  using detail::Structure;
  Bytes out;
  std::uint16_t handle = 0;
  {
    Structure s(0, handle++, 0x1A);  // BIOS
    s.str(4, m.bios_vendor);
    s.str(5, m.bios_version);
    s.u16(6, 0xF000);
    s.str(8, m.bios_date);
    s.u8(9, 0xFF);
    s.u8(0x14, std::uint8_t(m.bios_version[0] - '0'));
    s.u8(0x15, std::uint8_t(m.bios_version[2] - '0'));
    s.u8(0x16, 0xFF);
    s.u8(0x17, 0xFF);
    s.append_to(out);
  }
  {
    Structure s(1, handle++, 0x1B);  // System
    s.str(4, m.sys_vendor);
    s.str(5, m.product);
    s.str(6, m.product_version);
    s.str(7, detail::serial(seed, "system-serial", 10));
    const Bytes uuid = detail::det_bytes("uuid:" + std::to_string(seed), 16);
    std::copy(uuid.begin(), uuid.end(), s.f.begin() + 8);
    s.u8(0x18, 6);  // wake-up: power switch
    s.str(0x19, m.key == "A" ? "SKU-A-1U" : "SKU=0A6B;ModelName=PowerEdge R650");
    s.str(0x1A, m.key == "A" ? "SMC X11" : "PowerEdge");
    s.append_to(out);
  }
  {
    Structure s(2, handle++, 0x0F);  // Baseboard
    s.str(4, m.board_vendor);
    s.str(5, m.board_name);
    s.str(6, m.board_version);
    s.str(7, detail::serial(seed, "board-serial", 12));
    s.u8(0x09, 0x09);
    s.u8(0x0D, 0x0A);  // motherboard
    s.append_to(out);
  }
  {
    Structure s(3, handle++, 0x15);  // Chassis
    s.str(4, m.sys_vendor);
    s.u8(5, 0x17);  // rack mount chassis
    s.str(6, "1.0");
    s.str(7, detail::serial(seed, "chassis-serial", 9));
    s.append_to(out);
  }
  for (int cpu = 1; cpu <= 2; ++cpu) {
    Structure s(4, handle++, 0x30);  // Processor
    s.str(4, "CPU" + std::to_string(cpu));
    s.u8(5, 3);      // central processor
    s.u8(6, 0xB3);   // Xeon
    s.str(7, "Intel(R) Corporation");
    s.u32(8, m.key == "A" ? 0x00050654 : 0x000606A6);
    s.u32(12, 0xBFEBFBFF);
    s.str(0x10, m.cpu_version);
    s.u16(0x14, std::uint16_t(m.cpu_mhz));
    s.u16(0x16, std::uint16_t(m.cpu_mhz == 4000 ? 2100 : 2000));
    s.str(0x20, "");
    s.u8(0x23, std::uint8_t(m.cpu_cores));
    s.u8(0x24, std::uint8_t(m.cpu_cores));
    s.u8(0x25, std::uint8_t(2 * m.cpu_cores));
    s.append_to(out);
  }
  for (const auto& d : m.dimms) {
    Structure s(17, handle++, 0x28);  // Memory device
    s.u16(4, 0x1000);
    s.u16(8, 72);
    s.u16(10, 64);
    if (d.size_mb >= 0x7FFF) {  // 32 GiB and up: "see Extended Size"
      s.u16(0x0C, 0x7FFF);
      s.u32(0x1C, d.size_mb);
    } else {
      s.u16(0x0C, std::uint16_t(d.size_mb));
    }
    s.u8(0x0E, 0x09);  // DIMM
    s.str(0x10, d.locator);
    s.str(0x11, d.bank);
    s.u8(0x12, 0x1A);  // DDR4
    s.u16(0x15, 2666);
    s.str(0x17, m.dimm_vendor);
    s.str(0x18, detail::serial(seed, "dimm:" + d.locator, 8));
    s.str(0x19, d.locator + "_AssetTag");
    s.str(0x1A, m.dimm_part + "  ");  // firmware pads part numbers with spaces
    s.append_to(out);
  }
  Structure(127, handle++, 4).append_to(out);
  return out;
}

}  // namespace sg::attest
