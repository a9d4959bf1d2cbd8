// Buses and devices from sysfs: PCI, USB, I2C/SMBus, NICs, disks.
#include <algorithm>

#include "collectors.hpp"
#include "policy.hpp"
#include "supplyguard/attest/digest.hpp"

namespace sg::attest::detail {
namespace {

void put(Tree& t, Attrs& a, const std::string& key, const std::string& rel) {
  if (auto v = t.text(rel)) a[key] = *v;
}

// A run-time attribute (docs/attest.md, "Recorded, not compared"): kept under runtime.
void put_runtime(Tree& t, Component& c, const std::string& key, const std::string& rel) {
  if (auto v = t.text(rel)) c.runtime[key] = *v;
}

// The version a loaded driver module reports (sys/module/<name>/version): it follows the kernel.
void put_driver_version(Tree& t, Component& c) {
  auto drv = c.attrs.find("driver");
  if (drv == c.attrs.end()) return;
  std::string mod = drv->second;
  std::replace(mod.begin(), mod.end(), '-', '_');
  put_runtime(t, c, "driver_version", "sys/module/" + mod + "/version");
}

}  // namespace

void collect_pci(Tree& t, std::vector<Component>& out) {
  const std::string dir = "sys/bus/pci/devices";
  auto names = t.list(dir);
  if (!names) return;
  for (const auto& addr : *names) {
    const std::string d = dir + "/" + addr;
    Component c;
    c.id = "pci:" + addr;
    c.bus = "pci";
    c.attrs["address"] = addr;
    for (const char* k : {"vendor", "device", "subsystem_vendor", "subsystem_device", "class", "revision"})
      put(t, c.attrs, k, d + "/" + k);
    if (auto drv = t.link_name(d + "/driver")) c.attrs["driver"] = *drv;
    for (const char* k : {"irq", "numa_node", "local_cpulist", "current_link_speed", "current_link_width", "enable",
                          "power_state"})
      put_runtime(t, c, k, d + "/" + k);
    put_driver_version(t, c);
    // config: 256 bytes unprivileged, 4 KiB as root; rom: a PCI option ROM is at most 16 MiB.
    std::size_t mark = t.unreadable().size();
    if (auto cfg = t.binary(d + "/config", 1 << 16)) {
      // The 64-byte standard header only, command and status registers zeroed: the rest of
      // config space (capabilities, link and power state, MSI addresses) and those two registers
      // change at run time, and would make every host differ from its golden copy.
      cfg->resize(std::min<std::size_t>(cfg->size(), 64));
      for (std::size_t i = 4; i < 8 && i < cfg->size(); ++i) (*cfg)[i] = 0;
      c.attrs["config_sha256"] = sha256_hex(*cfg);
    }
    t.blame(mark, c.id, "config_sha256");
    mark = t.unreadable().size();
    if (auto rom = t.binary(d + "/rom", 1 << 24)) {
      // A zero-byte read is no ROM read (the kernel answers so until the ROM is enabled, and
      // captures keep the empty file): hashing it would pin SHA-256 of nothing as "the ROM".
      if (rom->empty()) t.note(d + "/rom", "empty (0 bytes): the option ROM was not read");
      else c.attrs["rom_sha256"] = sha256_hex(*rom);
    }
    t.blame(mark, c.id, "rom_sha256");
    out.push_back(std::move(c));
  }
}

void collect_usb(Tree& t, std::vector<Component>& out) {
  const std::string dir = "sys/bus/usb/devices";
  auto names = t.list(dir);
  if (!names) return;
  for (const auto& name : *names) {
    if (name.find(':') != std::string::npos) continue;  // "1-1.2:1.0" is an interface, not a device
    const std::string d = dir + "/" + name;
    Component c;
    c.id = "usb:" + name;
    c.bus = "usb";
    c.attrs["port"] = name;
    for (const char* k : {"idVendor", "idProduct", "manufacturer", "product", "bcdDevice"}) put(t, c.attrs, k, d + "/" + k);
    // A root hub's manufacturer and bcdDevice name the running kernel ("Linux 6.14.0-35-generic
    // uhci_hcd", 0614): a kernel update is not a hardware change.
    for (const char* k : {"manufacturer", "bcdDevice"})
      if (runtime_attribute("usb", c.attrs, k) && c.attrs.count(k)) {
        c.runtime[k] = c.attrs[k];
        c.attrs.erase(k);
      }
    put_runtime(t, c, "speed", d + "/speed");
    put(t, c.unit_attrs, "serial", d + "/serial");
    out.push_back(std::move(c));
  }
}

void collect_i2c(Tree& t, std::vector<Component>& out) {
  const std::string dir = "sys/bus/i2c/devices";
  auto names = t.list(dir);
  if (!names) return;
  for (const auto& name : *names) {
    // Clients are "<bus>-<4 hex digit address>"; "i2c-N" entries are the adapters themselves.
    const auto dash = name.find('-');
    if (name.rfind("i2c-", 0) == 0 || dash == std::string::npos || dash == 0) continue;
    Component c;
    c.id = "i2c:" + name;
    c.bus = "i2c";
    c.attrs["bus"] = name.substr(0, dash);
    c.attrs["address"] = "0x" + name.substr(dash + 1);
    put(t, c.attrs, "name", dir + "/" + name + "/name");
    if (auto drv = t.link_name(dir + "/" + name + "/driver")) c.attrs["driver"] = *drv;
    out.push_back(std::move(c));
  }
}

void collect_net(Tree& t, std::vector<Component>& out) {
  const std::string dir = "sys/class/net";
  auto names = t.list(dir);
  if (!names) return;
  for (const auto& name : *names) {
    const std::string d = dir + "/" + name;
    // Only interfaces backed by a device: lo, bridges, veths and tunnels are configuration.
    auto parent = t.link_name(d + "/device");
    if (!parent) continue;
    Component c;
    c.id = "net:" + name;
    c.bus = "net";
    c.attrs["parent"] = *parent;  // the parent's ids and driver are on its pci: component
    put(t, c.unit_attrs, "mac", d + "/address");
    // Link state follows cables and switches; reading speed/duplex of a down link fails (EINVAL):
    // that is not missing evidence, so those reads are not kept as gaps.
    const std::size_t mark = t.unreadable().size();
    for (const char* k : {"operstate", "carrier", "speed", "duplex", "mtu"}) put_runtime(t, c, k, d + "/" + k);
    t.unreadable().resize(mark);
    out.push_back(std::move(c));
  }
}

void collect_disks(Tree& t, std::vector<Component>& out) {
  const std::string dir = "sys/block";
  auto names = t.list(dir);
  if (!names) return;
  for (const auto& name : *names) {
    const std::string d = dir + "/" + name + "/device";
    if (!t.exists(d)) continue;  // loop, dm-*, zram: no hardware behind them
    Component c;
    c.id = "disk:" + name;
    c.bus = "disk";
    put(t, c.attrs, "model", d + "/model");
    put(t, c.attrs, "vendor", d + "/vendor");
    // NVMe says firmware_rev, SCSI/SATA says rev.
    if (auto fw = t.text(d + "/firmware_rev")) c.attrs["firmware_rev"] = *fw;
    else if (auto rev = t.text(d + "/rev")) c.attrs["firmware_rev"] = *rev;
    put(t, c.unit_attrs, "serial", d + "/serial");
    out.push_back(std::move(c));
  }
}

}  // namespace sg::attest::detail
