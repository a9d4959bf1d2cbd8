#pragma once
// A host's hardware and firmware evidence at one moment, collected from a root directory laid
// out like a live host (sys/, proc/, lib/modules/, lib/firmware/). The JSON form
// ("supplyguard.snapshot/1") is canonical: stable key order and sorted arrays, so two snapshots
// of the same host diff cleanly and fleet can ingest them.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "supplyguard/attest/ima.hpp"
#include "supplyguard/attest/quote.hpp"

namespace sg::attest {

using Json = nlohmann::ordered_json;
using Attrs = std::map<std::string, std::string>;

inline constexpr const char* kSnapshotSchema = "supplyguard.snapshot/1";

struct HostInfo {
  std::string hostname = "unknown";
  // Where the hostname came from: "proc/sys/kernel/hostname", "etc/hostname", "smbios:serial",
  // "smbios:uuid" (a captured root often has neither hostname file), or "none".
  std::string hostname_source = "none";
  std::string model;  // system_vendor / product / baseboard: hosts of one model share it exactly
  std::string system_vendor, product, baseboard;
  std::vector<std::string> addresses;  // own IPv4/IPv6 addresses, sorted
  std::string kernel_release;
};

// One piece of hardware, identified by bus and address/path: "pci:0000:03:00.0", "i2c:3-0050",
// "usb:1-1.2", "dmi:system", "net:eno1", "disk:nvme0n1".
struct Component {
  std::string id;
  std::string bus;
  Attrs attrs;       // design attributes: compared against the model's golden state
  Attrs unit_attrs;  // this unit's own identity (serials, MACs, UUID): recorded, never compared
  // Run-time and kernel-derived state (IRQ, NUMA node, link state and speed, driver version, a
  // USB root hub's kernel-version strings): recorded, never compared. docs/attest.md lists them.
  Attrs runtime;
};

struct ModuleFile {
  std::string name;    // as in proc/modules
  std::string path;    // relative to lib/modules/<release>/, "" when not found there
  std::string sha256;  // of the file as stored (.ko.xz hashed compressed)
  std::uint64_t size = 0;
};

struct FirmwareFile {
  std::string path;     // relative to lib/firmware
  std::string sha256;   // "" for a symlink
  std::string symlink;  // link target for a symlink
  std::uint64_t size = 0;
};

struct MeasuredEvent {
  std::uint32_t index = 0;  // position in the log (0 = Spec ID header)
  std::uint32_t pcr = 0;
  std::string type;                             // EV_* name
  std::map<std::string, std::string> digests;   // alg name -> hex
  std::string data_sha256;                      // of the event data
  std::string hint;                             // readable text in the data, if any
};

struct EventLogEvidence {
  bool present = false;
  std::string source;
  std::vector<std::string> algorithms;
  std::uint32_t startup_locality = 0;
  std::vector<MeasuredEvent> events;  // the header event is not listed
  // alg -> PCR -> hex: what the log replays to, and what the TPM's sysfs files say.
  std::map<std::string, std::map<std::uint32_t, std::string>> replayed;
  std::map<std::string, std::map<std::uint32_t, std::string>> tpm_pcrs;
};

struct Unreadable {
  std::string path;  // relative to the root
  std::string why;
  // The evidence category the path feeds: pci, usb, i2c, net, disk, dmi, modules, firmware,
  // eventlog, host. Verification compares only what both sides could read, by category.
  std::string category;
  // Set when one attribute of one component could not be read (a PCI "rom"): that attribute is
  // unknown, not absent. Empty when the gap is the category's own source (a table, a directory).
  std::string component, attribute;
};

// The category a root-relative path feeds ("" when none): the one table of collector sources.
std::string evidence_category(const std::string& path);

struct Snapshot {
  HostInfo host;
  std::string collected_at;
  std::string root = "/";
  std::vector<Component> components;  // sorted by id
  std::vector<ModuleFile> modules;    // sorted by name
  std::vector<FirmwareFile> firmware; // sorted by path
  EventLogEvidence eventlog;
  std::vector<Unreadable> unreadable; // sorted by path
  ImaEvidence ima;                    // IMA runtime measurements (JSON key "ima" only when present)
  std::optional<QuoteEvidence> quote; // TPM quote (snapshot --tpm; JSON key "quote")
};

struct CollectOptions {
  std::filesystem::path root = "/";
  // Globs (fnmatch, relative to lib/firmware) for firmware files; empty include = everything.
  std::vector<std::string> firmware_include;
  std::vector<std::string> firmware_exclude;
  std::optional<std::string> collected_at;  // default: now (tests pin it for byte-equal output)
};

// Never throws for missing, unreadable or malformed evidence (a container lacks most of it, a
// firmware may write a broken table): each gap is listed in Snapshot::unreadable with the reason,
// for a malformed DMI table or event log the parser's message naming the file and byte offset.
Snapshot collect_snapshot(const CollectOptions& options);

// Text read from a host (sysfs attributes, SMBIOS strings, file names) as valid UTF-8: bytes
// that are not UTF-8 become "\\xNN", so the snapshot stays JSON and nothing is silently dropped.
std::string to_valid_utf8(std::string_view raw);

Json to_json(const Snapshot& s);
// Throws core::InputError naming `source` and the JSON path or byte offset of the problem.
Snapshot snapshot_from_json(const Json& j, const std::string& source);
// The same from a value parsed as read_snapshot_text parses (nlohmann::json), so a caller that
// reads one text as several things parses it once.
Snapshot snapshot_from_json(const nlohmann::json& j, const std::string& source);
Snapshot read_snapshot_text(std::string_view text, const std::string& source);
Snapshot read_snapshot_file(const std::filesystem::path& p);

}  // namespace sg::attest
