// Host identity, kernel modules, firmware files and the TPM event log.
#include <arpa/inet.h>
#include <fnmatch.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>
#include <unordered_map>

#include "collectors.hpp"
#include "supplyguard/attest/digest.hpp"
#include "supplyguard/attest/eventlog.hpp"
#include "supplyguard/core/error.hpp"

namespace sg::attest::detail {
namespace {

// proc/net/fib_trie lists each address as a leaf "|-- 10.0.1.11" followed by lines such as
// "/32 host LOCAL"; a LOCAL route on a /32 leaf is one of the host's own addresses.
void parse_fib_trie(const std::string& text, std::set<std::string>& out) {
  std::istringstream in(text);
  std::string line, leaf;
  while (std::getline(in, line)) {
    const auto bar = line.find("|-- ");
    if (bar != std::string::npos) {
      leaf = trim(line.substr(bar + 4));
      continue;
    }
    const auto t = trim(line);
    if (!leaf.empty() && t.rfind("/32 host LOCAL", 0) == 0) {
      in_addr a{};
      if (inet_pton(AF_INET, leaf.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) != 127) out.insert(leaf);
    }
  }
}

// proc/net/if_inet6: "<32 hex digits> <ifindex> <prefixlen> <scope> <flags> <name>".
void parse_if_inet6(const std::string& text, std::set<std::string>& out) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string hexaddr;
    f >> hexaddr;
    auto raw = from_hex(hexaddr);
    if (!raw || raw->size() != 16) continue;
    in6_addr a{};
    std::copy(raw->begin(), raw->end(), a.s6_addr);
    if (IN6_IS_ADDR_LOOPBACK(&a) || IN6_IS_ADDR_LINKLOCAL(&a)) continue;
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(AF_INET6, &a, buf, sizeof buf)) out.insert(buf);
  }
}

std::string module_key(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');  // modprobe treats - and _ alike
  return name;
}

std::string module_name_of(const std::string& path) {
  auto base = path.substr(path.rfind('/') + 1);
  const auto ko = base.find(".ko");
  return module_key(ko == std::string::npos ? base : base.substr(0, ko));
}

}  // namespace

void collect_identity(Tree& t, HostInfo& host) {
  for (const char* f : {"proc/sys/kernel/hostname", "etc/hostname"})
    if (auto h = t.text(f); h && !h->empty()) {
      host.hostname = *h;
      host.hostname_source = f;
      break;
    }

  std::set<std::string> addrs;
  if (auto fib = t.text("proc/net/fib_trie", true)) parse_fib_trie(*fib, addrs);
  if (auto v6 = t.text("proc/net/if_inet6", true)) parse_if_inet6(*v6, addrs);
  host.addresses.assign(addrs.begin(), addrs.end());

  if (auto rel = t.text("proc/sys/kernel/osrelease")) {
    host.kernel_release = *rel;
  } else if (auto dirs = t.list("lib/modules", false); dirs && dirs->size() == 1) {
    host.kernel_release = dirs->front();  // a captured tree without proc: its only kernel
  }
}

namespace {

// Firmware fills unset serials and UUIDs with placeholders shared by every unit of a model.
bool placeholder_serial(std::string v) {
  for (auto& c : v) c = char(std::tolower(static_cast<unsigned char>(c)));
  if (v.size() < 4) return true;
  if (v.find_first_not_of(v[0]) == std::string::npos) return true;  // "00000000", "ffff..."
  for (const char* p : {"to be filled", "to be filed", "not specified", "system serial", "default string",
                        "not applicable", "0123456789", "none", "n/a", "oem"})
    if (v.find(p) != std::string::npos) return true;
  return false;
}

bool placeholder_uuid(const std::string& v) {
  std::string hex;
  for (char c : v)
    if (c != '-') hex += c;
  return hex.size() != 32 || hex.find_first_not_of(hex[0]) == std::string::npos;
}

}  // namespace

void name_host(Tree& t, HostInfo& host, const std::vector<Component>& components) {
  if (host.hostname_source != "none") return;
  for (const auto& c : components) {
    if (c.id != "dmi:system") continue;
    if (auto s = c.unit_attrs.find("serial"); s != c.unit_attrs.end() && !placeholder_serial(s->second)) {
      host.hostname = s->second;
      host.hostname_source = "smbios:serial";
      return;
    }
    if (auto u = c.unit_attrs.find("uuid"); u != c.unit_attrs.end() && !placeholder_uuid(u->second)) {
      host.hostname = u->second;
      host.hostname_source = "smbios:uuid";
      return;
    }
  }
  t.note("proc/sys/kernel/hostname",
         "no hostname in proc/sys/kernel/hostname or etc/hostname, and no usable SMBIOS system serial or UUID");
}

void collect_modules(Tree& t, const std::string& release, std::vector<ModuleFile>& out) {
  auto loaded = t.text("proc/modules", true);
  if (!loaded) return;
  std::unordered_map<std::string, std::string> files;  // module name -> path under lib/modules/<rel>
  const std::string base = "lib/modules/" + release;
  if (release.empty()) {
    t.note("lib/modules", "kernel release unknown (no proc/sys/kernel/osrelease)");
  } else if (auto dep = t.text(base + "/modules.dep", true)) {
    std::istringstream in(*dep);
    std::string line;
    while (std::getline(in, line)) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      const auto path = line.substr(0, colon);
      files.emplace(module_name_of(path), path);
    }
  }
  std::istringstream in(*loaded);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    ModuleFile m;
    f >> m.name;
    if (m.name.empty()) continue;
    if (auto it = files.find(module_key(m.name)); it != files.end()) {
      m.path = it->second;
      std::string why;
      if (auto d = sha256_file(t.abs(base + "/" + m.path), why)) {
        m.sha256 = d->sha256;
        m.size = d->size;
      } else {
        t.note(base + "/" + m.path, why);
        t.blame(t.unreadable().size() - 1, "module:" + m.name, "sha256");  // this file, not the set
      }
    }
    out.push_back(std::move(m));
  }
}

void collect_firmware(Tree& t, const CollectOptions& o, std::vector<FirmwareFile>& out) {
  namespace fs = std::filesystem;
  const fs::path top = t.abs("lib/firmware");
  std::error_code ec;
  if (!fs::is_directory(top, ec)) {
    t.note("lib/firmware", ec ? ec.message() : "No such file or directory");
    return;
  }
  auto wanted = [&](const std::string& rel) {
    bool in = o.firmware_include.empty();
    for (const auto& g : o.firmware_include) in |= fnmatch(g.c_str(), rel.c_str(), 0) == 0;
    for (const auto& g : o.firmware_exclude) in &= fnmatch(g.c_str(), rel.c_str(), 0) != 0;
    return in;
  };
  fs::recursive_directory_iterator it(top, fs::directory_options::skip_permission_denied, ec), end;
  if (ec) {
    t.note("lib/firmware", ec.message());
    return;
  }
  for (; it != end; it.increment(ec)) {
    if (ec) {
      t.note("lib/firmware", ec.message());
      break;
    }
    const auto st = it->symlink_status(ec);
    if (ec) continue;
    const std::string raw_rel = it->path().lexically_relative(top).string();
    const std::string rel = to_valid_utf8(raw_rel);
    if (fs::is_symlink(st)) {
      // Not followed: the link itself is the evidence, and following could leave the root.
      if (!wanted(rel)) continue;
      FirmwareFile f;
      f.path = rel;
      f.symlink = to_valid_utf8(fs::read_symlink(it->path(), ec).string());
      out.push_back(std::move(f));
    } else if (fs::is_regular_file(st) && wanted(rel)) {
      FirmwareFile f;
      f.path = rel;
      std::string why;
      if (auto d = sha256_file(it->path(), why)) {
        f.sha256 = d->sha256;
        f.size = d->size;
        out.push_back(std::move(f));
      } else {
        t.note("lib/firmware/" + rel, why);
        t.blame(t.unreadable().size() - 1, "firmware:" + rel, "sha256");
      }
    }
  }
}

void collect_eventlog(Tree& t, EventLogEvidence& ev) {
  const std::string path = "sys/kernel/security/tpm0/binary_bios_measurements";
  ev.source = path;
  auto bytes = t.binary(path, 1 << 24, /*note_missing=*/true);
  if (!bytes) return;
  EventLog log;
  try {
    log = parse_event_log(std::span(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()), path);
  } catch (const core::InputError& e) {
    t.note(path, e.what());
    return;
  }
  ev.present = true;
  for (const auto& a : log.algorithms) ev.algorithms.push_back(alg_name(a.alg));
  // What PCR 0 starts from: the StartupLocality event's value, or 4 after an H-CRTM sequence.
  // verify's replay of the recorded events reads it from here.
  ev.startup_locality = log.pcr0_initial_locality();
  for (std::size_t i = 0; i < log.events.size(); ++i) {
    const auto& e = log.events[i];
    MeasuredEvent m;
    m.index = log.record_number(i);
    m.pcr = e.pcr;
    m.type = event_type_name(e.type);
    for (const auto& d : e.digests) m.digests[alg_name(d.alg)] = to_hex(d.bytes);
    m.data_sha256 = sha256_hex(e.data);
    m.hint = event_data_hint(e.data);
    ev.events.push_back(std::move(m));
  }
  for (const auto& [alg, bank] : replay(log))
    for (const auto& [pcr, value] : bank) ev.replayed[alg_name(alg)][pcr] = to_hex(value);
  // What the TPM itself reports, for every bank the kernel exposes (pcr-sha256/0 ...).
  auto dirs = t.list("sys/class/tpm/tpm0", false);
  if (!dirs) return;
  for (const auto& d : *dirs) {
    if (d.rfind("pcr-", 0) != 0) continue;
    const std::string alg = d.substr(4);
    for (std::uint32_t pcr = 0; pcr < 24; ++pcr) {
      auto v = t.text("sys/class/tpm/tpm0/" + d + "/" + std::to_string(pcr));
      if (!v) continue;
      auto raw = from_hex(*v);
      if (!raw) {
        t.note("sys/class/tpm/tpm0/" + d + "/" + std::to_string(pcr), "not a hex PCR value");
        continue;
      }
      ev.tpm_pcrs[alg][pcr] = to_hex(*raw);
    }
  }
}

}  // namespace sg::attest::detail
