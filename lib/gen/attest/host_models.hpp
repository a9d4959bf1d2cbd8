#pragma once
// The two server models the fixture writes. Model A: a Supermicro 1U with an E810 100G NIC;
// model B: a Dell 1U with two I350 ports only and an Intel NVMe. Both have an ASPEED AST2500 BMC.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "supplyguard/attest/digest.hpp"

namespace sg::attest::detail {

struct PciDef {
  std::string addr, vendor, device, sub_vendor, sub_device, cls, revision, driver;
  bool rom = false;
};
struct UsbDef {
  std::string port, vid, pid, manufacturer, product;
};
struct I2cDef {
  std::string name_in_sysfs, name;  // "3-0050", "24c02"
};
struct NetDef {
  std::string ifname, pci;
};
struct ModuleDef {
  std::string name, path;  // path under lib/modules/<rel>
  bool loaded = true;
};
struct DimmDef {
  std::string locator, bank;
  std::uint32_t size_mb;
};

struct ModelDef {
  std::string key;  // "A" / "B"
  std::string sys_vendor, product, product_version, board_vendor, board_name, board_version;
  std::string bios_vendor, bios_version, bios_date, cpu_version, dimm_vendor, dimm_part;
  std::uint32_t cpu_mhz, cpu_cores;
  std::vector<DimmDef> dimms;
  std::vector<PciDef> pci;
  std::vector<UsbDef> usb;
  std::vector<I2cDef> i2c;
  std::vector<NetDef> net;
  std::string disk_model, disk_fw;
  std::vector<ModuleDef> modules;
  std::vector<std::string> firmware;   // paths under lib/firmware
  std::string firmware_plant;          // the blob firmware_changed modifies
  std::string rom_plant_pci, removed_pci, removed_net;
  std::uint8_t locality;
};

const ModelDef& model_def(const std::string& key);  // std::invalid_argument when unknown

// Deterministic bytes from a label (same label, same bytes on every platform).
Bytes det_bytes(const std::string& label, std::size_t n);
std::uint64_t label_seed(const std::string& label);

}  // namespace sg::attest::detail
