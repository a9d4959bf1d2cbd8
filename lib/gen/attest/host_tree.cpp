// write_host_tree: lays out sys/, proc/, etc/, lib/ like a live server so that `snapshot --root`
// reads the tree exactly as it would read "/".
#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <stdexcept>

#include "host_models.hpp"
#include "supplyguard/attest/eventlog.hpp"
#include "supplyguard/gen/host_tree.hpp"

namespace sg::attest {
namespace {

namespace fs = std::filesystem;
using detail::det_bytes;

const std::vector<std::pair<Plant, std::string_view>> kPlantNames = {
    {Plant::extra_i2c, "extra_i2c"},
    {Plant::extra_pci, "extra_pci"},
    {Plant::module_changed, "module_changed"},
    {Plant::option_rom_changed, "option_rom_changed"},
    {Plant::firmware_changed, "firmware_changed"},
    {Plant::eventlog_altered, "eventlog_altered"},
    {Plant::usb_added, "usb_added"},
    {Plant::component_removed, "component_removed"},
};

class Writer {
 public:
  explicit Writer(fs::path root) : root_(std::move(root)) {}
  void file(const std::string& rel, const std::string& content) {
    const fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(content.data(), std::streamsize(content.size()));
    if (!out) throw std::runtime_error("cannot write " + p.string());
  }
  void file(const std::string& rel, const Bytes& content) {
    file(rel, std::string(content.begin(), content.end()));
  }
  void line(const std::string& rel, const std::string& value) { file(rel, value + "\n"); }
  void link(const std::string& rel, const std::string& target) {
    const fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    fs::remove(p);
    fs::create_symlink(target, p);
  }
  void dir(const std::string& rel) { fs::create_directories(root_ / rel); }

 private:
  fs::path root_;
};

std::string hex_upper(const Bytes& b) {
  std::string h = to_hex(b);
  std::transform(h.begin(), h.end(), h.begin(), [](char c) { return char(std::toupper(c)); });
  return h;
}

std::string mac(std::uint64_t seed, const std::string& ifname) {
  const Bytes b = det_bytes("mac:" + std::to_string(seed) + ":" + ifname, 3);
  char buf[32];
  std::snprintf(buf, sizeof buf, "3c:ec:ef:%02x:%02x:%02x", b[0], b[1], b[2]);
  return buf;
}

Bytes pci_config(const detail::PciDef& d, const std::string& model) {
  Bytes c = det_bytes("config:" + model + ":" + d.addr, 256);
  auto put16 = [&](std::size_t off, const std::string& hex) {
    const unsigned v = unsigned(std::stoul(hex, nullptr, 16));
    c[off] = std::uint8_t(v);
    c[off + 1] = std::uint8_t(v >> 8);
  };
  put16(0x00, d.vendor);
  put16(0x02, d.device);
  const unsigned cls = unsigned(std::stoul(d.cls, nullptr, 16));
  c[0x08] = std::uint8_t(std::stoul(d.revision, nullptr, 16));
  c[0x09] = std::uint8_t(cls);
  c[0x0A] = std::uint8_t(cls >> 8);
  c[0x0B] = std::uint8_t(cls >> 16);
  put16(0x2C, d.sub_vendor);
  put16(0x2E, d.sub_device);
  return c;
}

Bytes option_rom(const std::string& label) {
  Bytes r = det_bytes("rom:" + label, 16384);
  r[0] = 0x55;  // PCI expansion ROM signature
  r[1] = 0xAA;
  r[2] = 16384 / 512;
  return r;
}

void write_pci(Writer& w, const detail::PciDef& d, const std::string& model, const Bytes* rom) {
  const std::string base = "sys/bus/pci/devices/" + d.addr + "/";
  w.line(base + "vendor", d.vendor);
  w.line(base + "device", d.device);
  w.line(base + "subsystem_vendor", d.sub_vendor);
  w.line(base + "subsystem_device", d.sub_device);
  w.line(base + "class", d.cls);
  w.line(base + "revision", d.revision);
  w.file(base + "config", pci_config(d, model));
  if (rom) w.file(base + "rom", *rom);
  if (!d.driver.empty()) {
    w.dir("sys/bus/pci/drivers/" + d.driver);
    w.link(base + "driver", "../../../../bus/pci/drivers/" + d.driver);
  }
}

// proc/net/fib_trie in the kernel's layout (Main and Local tables), one /24 per IPv4 address.
std::string fib_trie(const std::vector<std::string>& v4) {
  std::string body = "  +-- 0.0.0.0/0 3 0 5\n     |-- 0.0.0.0\n        /0 universe UNICAST\n";
  for (const auto& a : v4) {
    const std::string net = a.substr(0, a.rfind('.'));
    body += "     +-- " + net + ".0/24 2 0 2\n";
    body += "        |-- " + net + ".0\n           /32 link BROADCAST\n           /24 link UNICAST\n";
    body += "        |-- " + a + "\n           /32 host LOCAL\n";
    body += "        |-- " + net + ".255\n           /32 link BROADCAST\n";
  }
  body +=
      "     +-- 127.0.0.0/8 2 0 2\n        +-- 127.0.0.0/31 1 0 0\n           |-- 127.0.0.0\n"
      "              /32 link BROADCAST\n              /8 host LOCAL\n           |-- 127.0.0.1\n"
      "              /32 host LOCAL\n        |-- 127.255.255.255\n           /32 link BROADCAST\n";
  return "Main:\n" + body + "Local:\n" + body;
}

std::string if_inet6_line(const in6_addr& a, int ifindex, int prefix, int scope, int flags, const std::string& dev) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%s %02x %02x %02x %02x %8s\n",
                to_hex(Bytes(a.s6_addr, a.s6_addr + 16)).c_str(), ifindex, prefix, scope, flags, dev.c_str());
  return buf;
}

}  // namespace

const std::vector<Plant>& all_plants() {
  static const std::vector<Plant> v = [] {
    std::vector<Plant> out;
    for (const auto& [p, n] : kPlantNames) out.push_back(p);
    return out;
  }();
  return v;
}

std::string_view to_string(Plant p) {
  for (const auto& [q, n] : kPlantNames)
    if (q == p) return n;
  return "?";
}

std::optional<Plant> parse_plant(std::string_view text) {
  for (const auto& [p, n] : kPlantNames)
    if (n == text) return p;
  return std::nullopt;
}

HostTreeTruth write_host_tree(const HostTreeConfig& cfg, const fs::path& root) {
  const auto& m = detail::model_def(cfg.model);
  auto has = [&](Plant p) { return std::find(cfg.plants.begin(), cfg.plants.end(), p) != cfg.plants.end(); };
  std::vector<std::string> v4, v6;
  for (const auto& a : cfg.addresses) {
    in_addr a4{};
    in6_addr a6{};
    if (inet_pton(AF_INET, a.c_str(), &a4) == 1) v4.push_back(a);
    else if (inet_pton(AF_INET6, a.c_str(), &a6) == 1) v6.push_back(a);
    else throw std::invalid_argument("not an IPv4 or IPv6 address: \"" + a + "\"");
  }
  Writer w(root);
  HostTreeTruth truth;
  truth.model_key = m.sys_vendor + " / " + m.product + " / " + m.board_name;

  // Identity.
  w.line("proc/sys/kernel/hostname", cfg.hostname);
  w.line("etc/hostname", cfg.hostname);
  w.line("proc/sys/kernel/osrelease", cfg.kernel_release);
  w.file("proc/net/fib_trie", fib_trie(v4));
  std::string inet6;
  in6_addr lo{};
  inet_pton(AF_INET6, "::1", &lo);
  inet6 += if_inet6_line(lo, 1, 128, 0x10, 0x80, "lo");
  for (const auto& a : v6) {
    in6_addr x{};
    inet_pton(AF_INET6, a.c_str(), &x);
    inet6 += if_inet6_line(x, 2, 64, 0x00, 0x80, m.net.front().ifname);
  }
  in6_addr ll{};
  inet_pton(AF_INET6, "fe80::3eec:efff:fe00:1", &ll);
  inet6 += if_inet6_line(ll, 2, 64, 0x20, 0x80, m.net.front().ifname);
  w.file("proc/net/if_inet6", inet6);

  // SMBIOS: raw table plus the kernel's decoded view.
  w.file("sys/firmware/dmi/tables/DMI", encode_smbios(cfg.model, cfg.seed));
  w.file("sys/firmware/dmi/tables/smbios_entry_point", Bytes{'_', 'S', 'M', '3', '_'});
  const std::string dmi = "sys/class/dmi/id/";
  w.line(dmi + "sys_vendor", m.sys_vendor);
  w.line(dmi + "product_name", m.product);
  w.line(dmi + "product_version", m.product_version);
  w.line(dmi + "board_vendor", m.board_vendor);
  w.line(dmi + "board_name", m.board_name);
  w.line(dmi + "board_version", m.board_version);
  w.line(dmi + "bios_vendor", m.bios_vendor);
  w.line(dmi + "bios_version", m.bios_version);
  w.line(dmi + "bios_date", m.bios_date);
  w.line(dmi + "chassis_vendor", m.sys_vendor);
  w.line(dmi + "chassis_type", "23");

  // PCI.
  for (const auto& d : m.pci) {
    if (has(Plant::component_removed) && d.addr == m.removed_pci) continue;
    Bytes rom;
    if (d.rom) {
      rom = option_rom(m.key + ":" + d.addr);
      if (has(Plant::option_rom_changed) && d.addr == m.rom_plant_pci) {
        // A patched option ROM: same size and signature, different code.
        const Bytes patch = det_bytes("rom-implant", 512);
        std::copy(patch.begin(), patch.end(), rom.begin() + 0x1000);
      }
    }
    write_pci(w, d, m.key, d.rom ? &rom : nullptr);
  }
  if (has(Plant::extra_pci)) {
    detail::PciDef fpga{"0000:b3:00.0", "0x10ee", "0x7021", "0x10ee", "0x0007", "0x120000", "0x00", "", false};
    write_pci(w, fpga, m.key, nullptr);
    truth.expected.push_back({Plant::extra_pci, "component_added", "pci:0000:b3:00.0"});
  }
  if (has(Plant::option_rom_changed))
    truth.expected.push_back({Plant::option_rom_changed, "component_changed", "pci:" + m.rom_plant_pci});
  if (has(Plant::component_removed)) {
    truth.expected.push_back({Plant::component_removed, "component_removed", "pci:" + m.removed_pci});
    truth.expected.push_back({Plant::component_removed, "component_removed", "net:" + m.removed_net});
  }

  // USB.
  auto usb = [&](const detail::UsbDef& u, const std::string& serial) {
    const std::string base = "sys/bus/usb/devices/" + u.port + "/";
    w.line(base + "idVendor", u.vid);
    w.line(base + "idProduct", u.pid);
    w.line(base + "manufacturer", u.manufacturer);
    w.line(base + "product", u.product);
    w.line(base + "bcdDevice", "0100");
    if (!serial.empty()) w.line(base + "serial", serial);
    w.line("sys/bus/usb/devices/" + u.port + ":1.0/bInterfaceClass", "09");  // an interface: not a device
  };
  for (const auto& u : m.usb) usb(u, u.port.rfind("usb", 0) == 0 ? "0000:00:14.0" : "");
  if (has(Plant::usb_added)) {
    usb({"1-4", "0781", "5583", "SanDisk", "Ultra Fit"}, "4C530001" + std::to_string(cfg.seed));
    truth.expected.push_back({Plant::usb_added, "component_added", "usb:1-4"});
  }

  // I2C / SMBus: adapters i2c-0..3 (0: PCH SMBus, 3: the BMC's bus) and their clients.
  for (int bus = 0; bus <= 3; ++bus)
    w.line("sys/bus/i2c/devices/i2c-" + std::to_string(bus) + "/name",
           bus == 0 ? "SMBus I801 adapter at efa0" : "aspeed-i2c-bus-" + std::to_string(bus));
  auto i2c = [&](const std::string& dev, const std::string& name) {
    w.line("sys/bus/i2c/devices/" + dev + "/name", name);
  };
  for (const auto& c : m.i2c) i2c(c.name_in_sysfs, c.name);
  if (has(Plant::extra_i2c)) {
    i2c("3-0066", "dummy");
    truth.expected.push_back({Plant::extra_i2c, "component_added", "i2c:3-0066"});
  }

  // NICs and disks.
  w.line("sys/class/net/lo/address", "00:00:00:00:00:00");
  for (const auto& n : m.net) {
    if (has(Plant::component_removed) && n.ifname == m.removed_net) continue;
    w.line("sys/class/net/" + n.ifname + "/address", mac(cfg.seed, n.ifname));
    w.link("sys/class/net/" + n.ifname + "/device", "../../../bus/pci/devices/" + n.pci);
  }
  w.line("sys/block/nvme0n1/device/model", m.disk_model);
  w.line("sys/block/nvme0n1/device/firmware_rev", m.disk_fw);
  w.line("sys/block/nvme0n1/device/serial", "S4" + hex_upper(det_bytes("nvme-serial:" + std::to_string(cfg.seed), 5)));
  w.line("sys/block/loop0/size", "0");

  // Kernel modules: every file listed in modules.dep, the loaded ones in proc/modules.
  const std::string mods = "lib/modules/" + cfg.kernel_release + "/";
  std::string dep, loaded;
  for (const auto& mod : m.modules) {
    dep += mod.path + ":\n";
    const bool xz = mod.path.size() > 3 && mod.path.compare(mod.path.size() - 3, 3, ".xz") == 0;
    Bytes body = det_bytes("module:" + mod.name, 4096 + (detail::label_seed(mod.name) % 16) * 1024);
    if (xz) {
      const Bytes magic = {0xFD, '7', 'z', 'X', 'Z', 0x00};
      std::copy(magic.begin(), magic.end(), body.begin());
    } else {
      const Bytes magic = {0x7F, 'E', 'L', 'F', 2, 1, 1};
      std::copy(magic.begin(), magic.end(), body.begin());
    }
    if (has(Plant::module_changed) && mod.name == "ipmi_si") {
      const Bytes implant = det_bytes("ipmi_si-implant", 2048);
      body.insert(body.end(), implant.begin(), implant.end());
    }
    w.file(mods + mod.path, body);
    if (mod.loaded)
      loaded += mod.name + " " + std::to_string(body.size() * 4) + " 1 - Live 0x0000000000000000\n";
  }
  w.file(mods + "modules.dep", dep);
  w.file("proc/modules", loaded);
  if (has(Plant::module_changed))
    truth.expected.push_back({Plant::module_changed, "module_changed", "module:ipmi_si"});

  // Firmware blobs.
  for (const auto& f : m.firmware) {
    Bytes body = det_bytes("firmware:" + f, 8192 + (detail::label_seed(f) % 8) * 4096);
    if (has(Plant::firmware_changed) && f == m.firmware_plant) body[100] ^= 0x5A;
    w.file("lib/firmware/" + f, body);
  }
  if (has(Plant::firmware_changed))
    truth.expected.push_back({Plant::firmware_changed, "firmware_changed", "firmware:" + m.firmware_plant});

  // TPM: the event log and the PCR values a TPM that received exactly these extends reports.
  const auto events = fixture_events(cfg.model, cfg.plants);
  const Bytes log = encode_event_log(events, m.locality);
  w.file("sys/kernel/security/tpm0/binary_bios_measurements", log);
  const EventLog parsed = parse_event_log(log, "fixture");
  const PcrValues pcrs = replay(parsed);
  for (const auto& [alg, bank] : pcrs) {
    for (std::uint32_t pcr = 0; pcr < 24; ++pcr) {
      auto it = bank.find(pcr);
      const Bytes value = it != bank.end() ? it->second : Bytes(*alg_size(alg), 0);
      w.line("sys/class/tpm/tpm0/pcr-" + alg_name(alg) + "/" + std::to_string(pcr), hex_upper(value));
    }
  }
  if (has(Plant::eventlog_altered))
    truth.expected.push_back({Plant::eventlog_altered, "eventlog_changed", "pcr:0"});
  return truth;
}

}  // namespace sg::attest
