#pragma once
// The snapshot's collectors, one per evidence source; collect.cpp runs them in order.
#include <vector>

#include "supplyguard/attest/snapshot.hpp"
#include "sysfs.hpp"

namespace sg::attest::detail {

void collect_pci(Tree& t, std::vector<Component>& out);
void collect_usb(Tree& t, std::vector<Component>& out);
void collect_i2c(Tree& t, std::vector<Component>& out);
void collect_net(Tree& t, std::vector<Component>& out);
void collect_disks(Tree& t, std::vector<Component>& out);
// SMBIOS from the raw table, else sys/class/dmi/id; fills the host's vendor/product/baseboard.
void collect_dmi(Tree& t, std::vector<Component>& out, HostInfo& host);
void collect_identity(Tree& t, HostInfo& host);  // hostname, addresses, kernel release
// Without a hostname file: the SMBIOS system serial, else its UUID (placeholders skipped).
void name_host(Tree& t, HostInfo& host, const std::vector<Component>& components);
void collect_modules(Tree& t, const std::string& release, std::vector<ModuleFile>& out);
void collect_firmware(Tree& t, const CollectOptions& o, std::vector<FirmwareFile>& out);
void collect_eventlog(Tree& t, EventLogEvidence& out);

}  // namespace sg::attest::detail
