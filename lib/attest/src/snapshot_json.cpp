// Snapshot <-> JSON. Writing follows the struct order (the schema's canonical key order);
// reading is strict, because fleet and verify ingest snapshots from hosts we do not trust.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "attrs_json.hpp"
#include "json_in.hpp"
#include "quote_json.hpp"
#include "supplyguard/attest/snapshot.hpp"

namespace sg::attest {
namespace detail {

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::InputError::in(path, std::string("cannot open: ") + std::strerror(errno));
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw core::InputError::in(path, "read error");
  return ss.str();
}

}  // namespace detail

namespace {

template <class J>
Snapshot from_json_impl(const J& j, const std::string& source) {
  using In = detail::JsonIn<J>;
  In top(j, "", source);
  if (top.str("schema") != kSnapshotSchema)
    top.fail("schema is \"" + top.str("schema") + "\", expected \"" + kSnapshotSchema + "\"");
  Snapshot s;
  {
    In h = top.object("host");
    s.host.hostname = h.str("hostname");
    s.host.hostname_source = h.str("hostname_source", false);
    if (s.host.hostname_source.empty()) s.host.hostname_source = "none";
    s.host.model = h.str("model");
    s.host.system_vendor = h.str("system_vendor");
    s.host.product = h.str("product");
    s.host.baseboard = h.str("baseboard");
    s.host.kernel_release = h.str("kernel_release", false);
    const auto& addrs = h.array("addresses");
    for (std::size_t i = 0; i < addrs.size(); ++i) {
      if (!addrs[i].is_string()) h.fail("addresses[" + std::to_string(i) + "] is not a string");
      s.host.addresses.push_back(addrs[i].template get<std::string>());
    }
  }
  s.collected_at = top.str("collected_at");
  s.root = top.str("root");
  const auto& comps = top.array("components");
  s.components.reserve(comps.size());
  for (std::size_t i = 0; i < comps.size(); ++i) {
    In c = top.element(comps[i], i, "components");
    Component comp;
    comp.id = c.str("id");
    comp.bus = c.str("bus");
    c.string_map("attrs", comp.attrs);
    c.string_map("unit", comp.unit_attrs, false);
    c.string_map("runtime", comp.runtime, false);
    if (comp.id.empty()) c.fail("empty id");
    if (!s.components.empty() && !(s.components.back().id < comp.id))
      c.fail("components not sorted by id or id \"" + comp.id + "\" repeated");
    s.components.push_back(std::move(comp));
  }
  const auto& mods = top.array("modules");
  for (std::size_t i = 0; i < mods.size(); ++i) {
    In m = top.element(mods[i], i, "modules");
    s.modules.push_back({m.str("name"), m.str("path"), m.str("sha256"), m.uint("size")});
  }
  const auto& fw = top.array("firmware");
  for (std::size_t i = 0; i < fw.size(); ++i) {
    In f = top.element(fw[i], i, "firmware");
    FirmwareFile file;
    file.path = f.str("path");
    file.sha256 = f.str("sha256", false);
    file.symlink = f.str("symlink", false);
    file.size = f.uint("size", false);
    if (file.sha256.empty() == file.symlink.empty()) f.fail("needs exactly one of \"sha256\" and \"symlink\"");
    s.firmware.push_back(std::move(file));
  }
  {
    In e = top.object("eventlog");
    auto& ev = s.eventlog;
    ev.present = e.boolean("present");
    ev.source = e.str("source", false);
    const auto& algs = e.array("algorithms", false);
    for (std::size_t i = 0; i < algs.size(); ++i) {
      if (!algs[i].is_string()) e.fail("algorithms[" + std::to_string(i) + "] is not a string");
      ev.algorithms.push_back(algs[i].template get<std::string>());
    }
    ev.startup_locality = std::uint32_t(e.uint("startup_locality", false));
    const auto& events = e.array("events", false);
    for (std::size_t i = 0; i < events.size(); ++i) {
      In x = e.element(events[i], i, "events");
      MeasuredEvent m;
      m.index = std::uint32_t(x.uint("index"));
      m.pcr = std::uint32_t(x.uint("pcr"));
      m.type = x.str("type");
      x.string_map("digests", m.digests);
      m.data_sha256 = x.str("data_sha256", false);
      m.hint = x.str("hint", false);
      ev.events.push_back(std::move(m));
    }
    for (auto [key, target] : {std::pair{"replayed", &ev.replayed}, std::pair{"tpm_pcrs", &ev.tpm_pcrs}}) {
      const J* banks = e.find(key);
      if (!banks) continue;
      if (!banks->is_object()) e.fail(std::string(key) + " is not an object");
      for (auto b = banks->begin(); b != banks->end(); ++b) {
        std::map<std::string, std::string> values;
        In(b.value(), e.at(key) + "." + b.key(), source).string_map_self(values);
        for (const auto& [pcr, hex] : values) {
          char* end = nullptr;
          const unsigned long n = std::strtoul(pcr.c_str(), &end, 10);
          if (pcr.empty() || *end || n > 63) e.fail(std::string(key) + "." + b.key() + ": PCR \"" + pcr + "\" is not 0-63");
          (*target)[b.key()][std::uint32_t(n)] = hex;
        }
      }
    }
  }
  const auto& un = top.array("unreadable");
  for (std::size_t i = 0; i < un.size(); ++i) {
    In u = top.element(un[i], i, "unreadable");
    Unreadable gap{u.str("path"), u.str("why"), u.str("category", false), u.str("component", false),
                   u.str("attribute", false)};
    if (gap.category.empty()) gap.category = evidence_category(gap.path);  // snapshots before the field
    s.unreadable.push_back(std::move(gap));
  }
  if (const J* ima = top.find("ima")) s.ima = detail::ima_from_json(*ima, "ima", source);
  if (const J* quote = top.find("quote")) s.quote = detail::quote_from_json(*quote, "quote", source);
  return s;
}

}  // namespace

Json to_json(const Snapshot& s) {
  Json j;
  j["schema"] = kSnapshotSchema;
  j["host"] = {{"hostname", s.host.hostname},         {"hostname_source", s.host.hostname_source},
               {"model", s.host.model},
               {"system_vendor", s.host.system_vendor}, {"product", s.host.product},
               {"baseboard", s.host.baseboard},       {"addresses", s.host.addresses},
               {"kernel_release", s.host.kernel_release}};
  j["collected_at"] = s.collected_at;
  j["root"] = s.root;
  Json comps = Json::array();
  for (const auto& c : s.components) {
    Json o = {{"id", c.id}, {"bus", c.bus}, {"attrs", detail::attrs_json(c.attrs)}};
    if (!c.unit_attrs.empty()) o["unit"] = detail::attrs_json(c.unit_attrs);
    if (!c.runtime.empty()) o["runtime"] = detail::attrs_json(c.runtime);
    comps.push_back(std::move(o));
  }
  j["components"] = std::move(comps);
  Json mods = Json::array();
  for (const auto& m : s.modules)
    mods.push_back({{"name", m.name}, {"path", m.path}, {"sha256", m.sha256}, {"size", m.size}});
  j["modules"] = std::move(mods);
  Json fw = Json::array();
  for (const auto& f : s.firmware) {
    if (f.symlink.empty()) fw.push_back({{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}});
    else fw.push_back({{"path", f.path}, {"symlink", f.symlink}});
  }
  j["firmware"] = std::move(fw);
  const auto& ev = s.eventlog;
  Json e = {{"present", ev.present}, {"source", ev.source}, {"algorithms", ev.algorithms},
            {"startup_locality", ev.startup_locality}};
  Json events = Json::array();
  for (const auto& m : ev.events) {
    Json d = Json::object();
    for (const auto& [alg, hex] : m.digests) d[alg] = hex;
    Json o = {{"index", m.index}, {"pcr", m.pcr}, {"type", m.type}, {"digests", std::move(d)},
              {"data_sha256", m.data_sha256}};
    if (!m.hint.empty()) o["hint"] = m.hint;
    events.push_back(std::move(o));
  }
  e["events"] = std::move(events);
  for (auto [key, src] : {std::pair{"replayed", &ev.replayed}, std::pair{"tpm_pcrs", &ev.tpm_pcrs}}) {
    Json banks = Json::object();
    for (const auto& [alg, bank] : *src) {
      Json b = Json::object();
      for (const auto& [pcr, hex] : bank) b[std::to_string(pcr)] = hex;  // keys in PCR order
      banks[alg] = std::move(b);
    }
    e[key] = std::move(banks);
  }
  j["eventlog"] = std::move(e);
  Json un = Json::array();
  for (const auto& u : s.unreadable) {
    Json o = {{"path", u.path}, {"why", u.why}};
    if (!u.category.empty()) o["category"] = u.category;
    if (!u.component.empty()) o["component"] = u.component, o["attribute"] = u.attribute;
    un.push_back(std::move(o));
  }
  j["unreadable"] = std::move(un);
  if (s.ima.present) j["ima"] = detail::ima_to_json(s.ima);
  if (s.quote) j["quote"] = detail::quote_to_json(*s.quote);
  return j;
}

Snapshot snapshot_from_json(const Json& j, const std::string& source) { return from_json_impl(j, source); }
Snapshot snapshot_from_json(const nlohmann::json& j, const std::string& source) { return from_json_impl(j, source); }

Snapshot read_snapshot_text(std::string_view text, const std::string& source) {
  return from_json_impl(detail::parse_json_text<nlohmann::json>(text, source), source);
}

Snapshot read_snapshot_file(const std::filesystem::path& p) {
  return read_snapshot_text(detail::read_whole_file(p.string()), p.string());
}

}  // namespace sg::attest
