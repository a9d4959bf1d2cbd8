// SMBIOS: the raw table first (it has every structure), sys/class/dmi/id as the fallback.
#include <cstdio>
#include <cstdlib>

#include "collectors.hpp"
#include "supplyguard/attest/smbios.hpp"
#include "supplyguard/core/error.hpp"

namespace sg::attest::detail {
namespace {

// SMBIOS strings are bytes, not necessarily UTF-8, and firmware pads them ("3.00      "); the
// kernel's sys/class/dmi/id files are read trimmed (Tree::text), so the raw table is trimmed the
// same way: one firmware must read the same whichever path collected it.
std::string clean(const std::string& v) { return to_valid_utf8(trim(v)); }

void set(Attrs& a, const std::string& k, const std::string& v) {
  if (auto c = clean(v); !c.empty()) a[k] = std::move(c);
}

std::string hex(std::uint64_t v, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "0x%0*llx", width, static_cast<unsigned long long>(v));
  return buf;
}

std::string uuid_text(const SmbiosStructure& s, std::size_t off) {
  if (!s.has(off, 16)) return "";
  const auto* u = s.formatted.data() + off;
  char buf[40];
  // SMBIOS 2.6+: the first three fields are little-endian (what dmidecode prints).
  std::snprintf(buf, sizeof buf, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[3], u[2],
                u[1], u[0], u[5], u[4], u[7], u[6], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
  return buf;
}

Component make(std::string id) {
  Component c;
  c.id = "dmi:" + id;
  c.bus = "dmi";
  return c;
}

void from_table(const SmbiosTable& table, std::vector<Component>& out, HostInfo& host) {
  std::size_t cpu_n = 0, mem_n = 0;
  for (const auto& s : table.structures) {
    switch (s.type) {
      case 0: {
        auto c = make("bios");
        set(c.attrs, "vendor", s.str(4));
        set(c.attrs, "version", s.str(5));
        set(c.attrs, "release_date", s.str(8));
        // 0xFF.0xFF: "not supported"; the kernel then has no bios_release file either.
        if (s.has(0x15) && !(s.u8(0x14) == 0xFF && s.u8(0x15) == 0xFF))
          set(c.attrs, "release", std::to_string(s.u8(0x14)) + "." + std::to_string(s.u8(0x15)));
        out.push_back(std::move(c));
        break;
      }
      case 1: {
        auto c = make("system");
        set(c.attrs, "manufacturer", s.str(4));
        set(c.attrs, "product", s.str(5));
        set(c.attrs, "version", s.str(6));
        set(c.attrs, "sku", s.str(0x19));
        set(c.attrs, "family", s.str(0x1A));
        set(c.unit_attrs, "serial", s.str(7));
        set(c.unit_attrs, "uuid", uuid_text(s, 8));
        host.system_vendor = clean(s.str(4));
        host.product = clean(s.str(5));
        out.push_back(std::move(c));
        break;
      }
      case 2: {
        auto c = make("baseboard");
        set(c.attrs, "manufacturer", s.str(4));
        set(c.attrs, "product", s.str(5));
        set(c.attrs, "version", s.str(6));
        set(c.unit_attrs, "serial", s.str(7));
        if (host.baseboard.empty()) host.baseboard = clean(s.str(5));
        out.push_back(std::move(c));
        break;
      }
      case 3: {
        auto c = make("chassis");
        set(c.attrs, "manufacturer", s.str(4));
        set(c.attrs, "type", hex(s.u8(5) & 0x7F, 2));
        set(c.attrs, "version", s.str(6));
        set(c.unit_attrs, "serial", s.str(7));
        set(c.unit_attrs, "asset_tag", s.str(8));
        out.push_back(std::move(c));
        break;
      }
      case 4: {
        std::string socket = s.str(4);
        if (socket.empty()) socket = "cpu" + std::to_string(cpu_n);
        ++cpu_n;
        auto c = make("cpu:" + clean(socket));
        set(c.attrs, "manufacturer", s.str(7));
        set(c.attrs, "version", s.str(0x10));
        set(c.attrs, "family", hex(s.u8(6), 2));
        if (s.has(8, 8)) set(c.attrs, "id", hex(std::uint64_t(s.u32(8)) | std::uint64_t(s.u32(12)) << 32, 16));
        if (s.has(0x14, 2)) set(c.attrs, "max_speed_mhz", std::to_string(s.u16(0x14)));
        if (s.has(0x23)) set(c.attrs, "cores", std::to_string(s.u8(0x23)));
        set(c.unit_attrs, "serial", s.str(0x20));
        out.push_back(std::move(c));
        break;
      }
      case 17: {
        std::string slot = s.str(0x10);
        if (slot.empty()) slot = "dimm" + std::to_string(mem_n);
        ++mem_n;
        auto c = make("memory:" + clean(slot));
        std::uint64_t mb = s.u16(0x0C);
        if (mb == 0x7FFF && s.has(0x1C, 4)) mb = s.u32(0x1C);
        else if (mb != 0xFFFF && (mb & 0x8000)) mb = (mb & 0x7FFF) / 1024;  // size given in KB
        c.attrs["size_mb"] = std::to_string(mb);
        set(c.attrs, "bank", s.str(0x11));
        set(c.attrs, "type", hex(s.u8(0x12), 2));
        if (s.has(0x15, 2)) set(c.attrs, "speed_mts", std::to_string(s.u16(0x15)));
        set(c.attrs, "manufacturer", s.str(0x17));
        set(c.attrs, "part_number", trim(s.str(0x1A)));
        set(c.unit_attrs, "serial", s.str(0x18));
        out.push_back(std::move(c));
        break;
      }
      default:
        break;
    }
  }
}

// `dir` is sys/class/dmi/id, or the device it links to (sys/devices/virtual/dmi/id) in captures
// that kept only the device tree.
void from_sysfs(Tree& t, const std::string& dir, std::vector<Component>& out, HostInfo& host) {
  const std::string d = dir + "/";
  auto get = [&](const char* f) { return t.text(d + f).value_or(""); };
  auto bios = make("bios");
  set(bios.attrs, "vendor", get("bios_vendor"));
  set(bios.attrs, "version", get("bios_version"));
  set(bios.attrs, "release_date", get("bios_date"));
  set(bios.attrs, "release", get("bios_release"));  // kernel 5.11+
  auto sys = make("system");
  set(sys.attrs, "manufacturer", get("sys_vendor"));
  set(sys.attrs, "product", get("product_name"));
  set(sys.attrs, "version", get("product_version"));
  set(sys.attrs, "sku", get("product_sku"));
  set(sys.attrs, "family", get("product_family"));
  set(sys.unit_attrs, "serial", get("product_serial"));
  set(sys.unit_attrs, "uuid", get("product_uuid"));
  auto board = make("baseboard");
  set(board.attrs, "manufacturer", get("board_vendor"));
  set(board.attrs, "product", get("board_name"));
  set(board.attrs, "version", get("board_version"));
  set(board.unit_attrs, "serial", get("board_serial"));
  auto chassis = make("chassis");
  set(chassis.attrs, "manufacturer", get("chassis_vendor"));
  if (auto ty = get("chassis_type"); !ty.empty()) set(chassis.attrs, "type", hex(std::strtoul(ty.c_str(), nullptr, 10) & 0x7F, 2));
  set(chassis.attrs, "version", get("chassis_version"));
  set(chassis.unit_attrs, "serial", get("chassis_serial"));
  set(chassis.unit_attrs, "asset_tag", get("chassis_asset_tag"));
  host.system_vendor = get("sys_vendor");
  host.product = get("product_name");
  host.baseboard = get("board_name");
  for (auto* c : {&bios, &sys, &board, &chassis})
    if (!c->attrs.empty() || !c->unit_attrs.empty()) out.push_back(std::move(*c));
}


std::string sysfs_dmi_dir(const Tree& t) {
  for (const char* d : {"sys/class/dmi/id", "sys/devices/virtual/dmi/id"})
    if (t.exists(d)) return d;
  return "";
}

// A table that broke part-way lost whatever followed the break: take the kernel's decoded ids
// for the identity structures the prefix did not have.
void complete_from_sysfs(Tree& t, std::vector<Component>& out, HostInfo& host) {
  const std::string dir = sysfs_dmi_dir(t);
  if (dir.empty()) return;
  std::vector<Component> ids;
  HostInfo h;
  from_sysfs(t, dir, ids, h);
  for (auto& c : ids) {
    bool have = false;
    for (const auto& o : out) have |= o.id == c.id;
    if (!have) out.push_back(std::move(c));
  }
  if (host.system_vendor.empty()) host.system_vendor = h.system_vendor;
  if (host.product.empty()) host.product = h.product;
  if (host.baseboard.empty()) host.baseboard = h.baseboard;
}

}  // namespace

void collect_dmi(Tree& t, std::vector<Component>& out, HostInfo& host) {
  const std::string raw = "sys/firmware/dmi/tables/DMI";
  if (auto bytes = t.binary(raw, 1 << 20, /*note_missing=*/true)) {
    const auto table = parse_smbios_prefix(
        std::span(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()), raw);
    from_table(table, out, host);
    if (table.broken.empty()) return;
    // Names the byte offset; the structures before it are kept, the rest is missing evidence.
    t.note(raw, table.broken + " (kept the " + std::to_string(table.structures.size()) +
                    " structures before it)");
    complete_from_sysfs(t, out, host);
    return;
  }
  if (auto dir = sysfs_dmi_dir(t); !dir.empty()) from_sysfs(t, dir, out, host);
  else t.note("sys/class/dmi/id", "No such file or directory");
}

}  // namespace sg::attest::detail
