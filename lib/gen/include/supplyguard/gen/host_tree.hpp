#pragma once
// Deterministic server-like root trees for tests, demos, benchmarks and fleet's generator: the
// sysfs/procfs/lib layout `supplyguard snapshot --root` reads, for two server models, with
// optional planted changes (the supply-chain tampering attest must find).
//
// Everything that belongs to the model's design (devices, module and firmware bytes, option
// ROMs, the measured-boot log) depends only on the model and the plants, so every host of a
// model agrees; per-unit identity (serials, MACs, UUID) comes from the seed.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "supplyguard/attest/digest.hpp"
#include "supplyguard/attest/ima.hpp"

namespace sg::attest {

enum class Plant {
  extra_i2c,           // a device answering on the BMC's I2C bus
  extra_pci,           // an unknown PCIe endpoint (FPGA)
  module_changed,      // ipmi_si.ko.xz replaced ("infected driver")
  option_rom_changed,  // the first Intel NIC's option ROM modified
  firmware_changed,    // a lib/firmware blob modified
  eventlog_altered,    // a PCR 0 firmware measurement differs (TPM PCRs consistent with it)
  usb_added,           // a USB mass-storage device
  component_removed,   // the second I350 port (PCI function and its netdev) gone
};
const std::vector<Plant>& all_plants();
std::string_view to_string(Plant p);
std::optional<Plant> parse_plant(std::string_view text);

struct HostTreeConfig {
  std::uint64_t seed = 1;
  std::string hostname = "host-01";
  std::string model = "A";  // "A" or "B"
  std::vector<std::string> addresses;  // IPv4 and/or IPv6
  std::vector<Plant> plants;
  std::string kernel_release = "6.1.0-13-amd64";
};

// A finding the plants should produce: (type, subject).
struct ExpectedFinding {
  Plant plant;
  std::string type;
  std::string subject;
};

struct HostTreeTruth {
  std::string model_key;  // what the snapshot's host.model will be
  std::vector<ExpectedFinding> expected;
};

// Writes the tree under `root` (created; must not contain an older tree). Throws
// std::invalid_argument for an unknown model or an address that does not parse.
HostTreeTruth write_host_tree(const HostTreeConfig& config, const std::filesystem::path& root);

// Building blocks, public so tests can craft hostile variants and check replay independently.
struct FixtureEvent {
  std::uint32_t pcr = 0;
  std::uint32_t type = 0;
  Bytes data;      // the event data, as firmware logs it
  Bytes measured;  // what was hashed when it is not the data (firmware volumes, PE images, ACPI
                   // tables: the event names the location, the digest is of the content);
                   // empty: each bank's digest is H(data)
};
// The measured-boot events of a model (after the Spec ID header), with plants applied.
std::vector<FixtureEvent> fixture_events(const std::string& model, const std::vector<Plant>& plants);
std::uint8_t fixture_startup_locality(const std::string& model);
// TCG crypto-agile log: Spec ID header (SHA-1 and SHA-256 banks), then the events.
Bytes encode_event_log(const std::vector<FixtureEvent>& events, std::uint8_t startup_locality);
// Raw SMBIOS table (types 0, 1, 2, 3, 4, 17, 127) for a model and a unit seed.
Bytes encode_smbios(const std::string& model, std::uint64_t seed);

// IMA list of a written tree (ima-ng, SHA-256): boot_aggregate, then every module and firmware
// file as measured at load; written to sys/kernel/security/ima/{ascii,binary}_runtime_measurements.
ImaList write_ima_list(const std::filesystem::path& root);
// Extends `tpm` (a fresh software TPM) with the tree's event log and IMA list, so its PCRs are the
// ones the evidence replays to. Returns the number of extends.
// A log that starts PCR 0 at locality L != 0 needs a TPM started from L (PCR 0 = 0...0L).
class Tpm;
std::size_t extend_tpm_from_tree(Tpm& tpm, const std::filesystem::path& root);
// The tree's boot on the TPM at `tcti`: for a swtpm TCTI, TPM_Init (a TPM Reset: resetCount + 1,
// PCRs cleared) and TPM2_Startup(CLEAR) from the log's StartupLocality, then extend_tpm_from_tree.
// Other TCTIs are extended as they are (locality 0 logs only).
std::size_t boot_tpm_from_tree(const std::string& tcti, const std::filesystem::path& root);

}  // namespace sg::attest
