// Golden baselines: quorum over many hosts of one model, canonical JSON, Ed25519 signature.
#include "supplyguard/attest/baseline.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <unordered_map>

#include "json_in.hpp"
#include "runtime_policy.hpp"
#include "policy.hpp"
#include "supplyguard/core/error.hpp"
#include "supplyguard/core/time.hpp"

namespace sg::attest {
namespace {

// Hosts needed to pin an item seen on `n` hosts.
std::size_t needed(std::size_t n, const BaselineOptions& o) {
  if (o.strict_majority) return n / 2 + 1;
  return std::max<std::size_t>(1, std::size_t(std::ceil(o.quorum * double(n) - 1e-9)));
}

// The most common value and its count; ties go to the smallest value so the result is stable.
template <class T>
std::pair<T, std::size_t> winner(const std::map<T, std::size_t>& votes) {
  std::pair<T, std::size_t> best{};
  for (const auto& [v, n] : votes)
    if (n > best.second) best = {v, n};
  return best;
}

constexpr const char* kAbsent = "\x01" "absent";  // vote for "this host lacks the attribute"

std::string sequence_key(const std::vector<PinnedEvent>& seq) {
  std::string k;
  for (const auto& e : seq) k += e.type + ":" + e.alg + ":" + e.digest + ";";
  return k;
}

}  // namespace

Baseline create_baseline(const std::vector<Snapshot>& snapshots, const BaselineOptions& o) {
  std::vector<const Snapshot*> ptrs;
  for (const auto& s : snapshots) ptrs.push_back(&s);
  return create_baseline(ptrs, o);
}

Baseline create_baseline(const std::vector<const Snapshot*>& snap_ptrs, const BaselineOptions& o) {
  struct Deref {  // iterate pointers as references
    const std::vector<const Snapshot*>& v;
    struct It {
      std::vector<const Snapshot*>::const_iterator i;
      const Snapshot& operator*() const { return **i; }
      It& operator++() { ++i; return *this; }
      bool operator!=(const It& o) const { return i != o.i; }
    };
    It begin() const { return {v.begin()}; }
    It end() const { return {v.end()}; }
    std::size_t size() const { return v.size(); }
    bool empty() const { return v.empty(); }
    const Snapshot& front() const { return *v.front(); }
  } snaps{snap_ptrs};
  if (snaps.empty()) throw core::InputError::in("baseline", "no snapshots given");
  Baseline b;
  b.model = snaps.front().host.model;
  for (const auto& s : snaps)
    if (s.host.model != b.model)
      throw core::InputError::in(s.host.hostname, "model \"" + s.host.model + "\" differs from \"" + b.model +
                                                      "\": a baseline is for one model (use verify --consensus "
                                                      "for mixed fleets)");
  b.quorum = snaps.size() == 1 ? 1.0 : o.quorum;
  b.consensus = o.strict_majority;
  b.created_at = !o.created_at.empty()
                     ? o.created_at
                     : core::format_iso8601(std::chrono::duration_cast<std::chrono::microseconds>(
                                                std::chrono::system_clock::now().time_since_epoch())
                                                .count());
  const std::size_t n = snaps.size();
  const std::size_t need = needed(n, o);
  for (const auto& s : snaps) b.hosts.push_back(s.host.hostname);
  std::sort(b.hosts.begin(), b.hosts.end());
  {
    std::map<std::string, std::size_t> kr;
    for (const auto& s : snaps) ++kr[s.host.kernel_release];
    b.kernel_release = winner(kr).first;
  }

  // Components: pinned when on enough hosts; each attribute pinned when enough of those agree.
  // Only hosts that could read the evidence vote on it: a host that read a category in part
  // (a non-root snapshot has no raw SMBIOS table) abstains on what it lacks there, and nobody
  // votes on an attribute it could not read. So the host with more evidence is never the odd one.
  std::vector<detail::EvidenceGaps> gaps;
  for (const auto& s : snaps) gaps.push_back(detail::gaps_of(s));
  std::map<std::string, std::vector<std::pair<std::size_t, const Component*>>> by_id;  // id -> (host, c)
  {
    std::size_t h = 0;
    for (const auto& s : snaps) {
      for (const auto& c : s.components) by_id[c.id].emplace_back(h, &c);
      ++h;
    }
  }
  std::set<std::string> categories;
  for (const auto& [id, list] : by_id) categories.insert(list.front().second->bus);
  std::map<std::string, std::size_t> full_readers;  // category -> hosts without a gap in its source
  for (const auto& cat : categories)
    for (const auto& g : gaps) full_readers[cat] += g.partial(cat) ? 0 : 1;
  for (const auto& cat : categories)
    if (full_readers[cat] == 0) b.incomplete.push_back(cat);
  for (const auto& [id, list] : by_id) {
    const std::string& bus = list.front().second->bus;
    std::size_t partial_with = 0;
    for (const auto& [h, c] : list) partial_with += gaps[h].partial(bus) ? 1 : 0;
    const std::size_t voters = full_readers[bus] + partial_with;
    if (list.size() < needed(voters, o)) continue;
    PinnedComponent p;
    p.id = id;
    p.bus = bus;
    std::set<std::string> keys;
    for (const auto& [h, c] : list)
      for (const auto& kv : c->attrs) keys.insert(kv.first);
    for (const auto& k : keys) {
      if (detail::runtime_attribute(bus, list.front().second->attrs, k)) continue;  // snapshots before the split
      std::map<std::string, std::size_t> votes;
      std::size_t attr_voters = 0;
      for (const auto& [h, c] : list) {
        auto it = c->attrs.find(k);
        if (gaps[h].unknown(id, k) || (it == c->attrs.end() && gaps[h].partial(bus))) continue;
        ++votes[it == c->attrs.end() ? kAbsent : it->second];
        ++attr_voters;
      }
      if (attr_voters == 0) continue;
      auto [value, count] = winner(votes);
      if (count < needed(attr_voters, o)) continue;
      if (value == kAbsent) p.absent.push_back(k);
      else p.attrs[k] = value;
    }
    b.components.push_back(std::move(p));
  }

  // Modules and firmware files: presence by quorum, content by quorum among those that have it.
  // As for components, a host that could not read the category abstains on what it lacks, and
  // a file it could not read does not vote on content.
  auto pin_files = [&](const std::string& cat, const std::string& id_prefix, auto get_list, auto fill,
                       std::vector<PinnedFile>& out) {
    std::map<std::string, std::map<std::string, std::size_t>> votes;  // name -> content -> hosts
    std::map<std::string, std::size_t> present, partial_with;
    std::map<std::string, PinnedFile> example;
    std::size_t full = 0, h = 0;
    for (const auto& s : snaps) {
      const bool partial = gaps[h].partial(cat);
      full += partial ? 0 : 1;
      for (const auto& f : get_list(s)) {
        PinnedFile p;
        fill(f, p);
        ++present[p.name];
        partial_with[p.name] += partial ? 1 : 0;
        if (gaps[h].unknown(id_prefix + p.name, "sha256")) continue;
        ++votes[p.name][p.path + "\n" + p.sha256 + "\n" + p.symlink];
        example.emplace(p.name + "\n" + p.path + "\n" + p.sha256 + "\n" + p.symlink, p);
      }
      ++h;
    }
    for (const auto& [name, n_present] : present) {
      if (n_present < needed(full + partial_with[name], o)) continue;
      auto v = votes.find(name);
      if (v == votes.end()) continue;  // on enough hosts, but no host could read it
      std::size_t readable = 0;
      for (const auto& kv : v->second) readable += kv.second;
      auto [content, count] = winner(v->second);
      PinnedFile p = example.at(name + "\n" + content);
      if (count < needed(readable, o)) p.sha256.clear(), p.symlink.clear(), p.path.clear();
      out.push_back(std::move(p));
    }
  };
  pin_files("modules", "module:", [](const Snapshot& s) -> const auto& { return s.modules; },
            [](const ModuleFile& m, PinnedFile& p) {
              p.name = m.name;
              p.path = m.path;
              p.sha256 = m.sha256;
            },
            b.modules);
  pin_files("firmware", "firmware:", [](const Snapshot& s) -> const auto& { return s.firmware; },
            [](const FirmwareFile& f, PinnedFile& p) {
              p.name = f.path;
              p.sha256 = f.sha256;
              p.symlink = f.symlink;
            },
            b.firmware);

  // Event log: each PCR's sequence of extended events, pinned when enough hosts agree.
  std::vector<std::map<std::uint32_t, std::vector<PinnedEvent>>> logs;
  for (const auto& s : snaps)
    if (s.eventlog.present) logs.push_back(detail::extended_events(s.eventlog));
  if (logs.size() >= need && !logs.empty()) {
    b.eventlog = true;
    std::set<std::uint32_t> pcrs;
    for (const auto& l : logs)
      for (const auto& kv : l) pcrs.insert(kv.first);
    const std::size_t need_log = needed(logs.size(), o);
    for (auto pcr : pcrs) {
      std::map<std::string, std::size_t> votes;
      std::map<std::string, const std::vector<PinnedEvent>*> seq_of;
      static const std::vector<PinnedEvent> none;
      for (const auto& l : logs) {
        auto it = l.find(pcr);
        const auto* seq = it == l.end() ? &none : &it->second;
        const auto key = sequence_key(*seq);
        ++votes[key];
        seq_of.emplace(key, seq);
      }
      auto [key, count] = winner(votes);
      if (count >= need_log && !seq_of.at(key)->empty()) b.pcr_events[pcr] = *seq_of.at(key);
      else if (count < need_log) b.unpinned_pcrs.push_back(pcr);
    }
  }
  for (const auto& s : snaps) detail::add_runtime_policy(s, b);
  b.quote_required = std::all_of(snap_ptrs.begin(), snap_ptrs.end(), [](const Snapshot* s) { return s->quote.has_value(); });
  return b;
}

std::string to_string(SignatureCheck c) {
  switch (c) {
    case SignatureCheck::valid: return "valid";
    case SignatureCheck::unsigned_baseline: return "unsigned";
    case SignatureCheck::bad_signature: return "signature does not verify (baseline modified after signing)";
    case SignatureCheck::wrong_key: return "signed by a different key than --pubkey";
  }
  return "?";
}

namespace {

Json body_json(const Baseline& b) {
  Json j;
  j["schema"] = kBaselineSchema;
  j["model"] = b.model;
  j["created_at"] = b.created_at;
  j["quorum"] = b.quorum;
  j["consensus"] = b.consensus;
  j["hosts"] = b.hosts;
  j["kernel_release"] = b.kernel_release;
  Json comps = Json::array();
  for (const auto& c : b.components) {
    Json attrs = Json::object();
    for (const auto& [k, v] : c.attrs) attrs[k] = v;
    Json o = {{"id", c.id}, {"bus", c.bus}, {"attrs", std::move(attrs)}};
    if (!c.absent.empty()) o["absent"] = c.absent;
    comps.push_back(std::move(o));
  }
  j["components"] = std::move(comps);
  if (!b.incomplete.empty()) j["incomplete"] = b.incomplete;  // absent in older, signed baselines
  Json mods = Json::array();
  for (const auto& m : b.modules) mods.push_back({{"name", m.name}, {"path", m.path}, {"sha256", m.sha256}});
  j["modules"] = std::move(mods);
  Json fw = Json::array();
  for (const auto& f : b.firmware) {
    Json o = {{"path", f.name}, {"sha256", f.sha256}};
    if (!f.symlink.empty()) o["symlink"] = f.symlink;
    fw.push_back(std::move(o));
  }
  j["firmware"] = std::move(fw);
  Json pcrs = Json::object();
  for (const auto& [pcr, seq] : b.pcr_events) {
    Json events = Json::array();
    for (const auto& e : seq) {
      Json o = {{"index", e.index}, {"type", e.type}, {"alg", e.alg}, {"digest", e.digest}};
      if (!e.hint.empty()) o["hint"] = e.hint;
      events.push_back(std::move(o));
    }
    pcrs[std::to_string(pcr)] = std::move(events);
  }
  j["eventlog"] = {{"present", b.eventlog}, {"pcrs", std::move(pcrs)}, {"unpinned_pcrs", b.unpinned_pcrs}};
  detail::runtime_policy_to_json(b, j);  // only when there is one: older baselines keep their bytes
  return j;
}

template <class J>
Baseline from_json_impl(const J& j, const std::string& source) {
  using In = detail::JsonIn<J>;
  In top(j, "", source);
  if (top.str("schema") != kBaselineSchema)
    top.fail("schema is \"" + top.str("schema") + "\", expected \"" + kBaselineSchema + "\"");
  Baseline b;
  b.model = top.str("model");
  b.created_at = top.str("created_at");
  const auto& q = top.need("quorum");
  if (!q.is_number() || q.template get<double>() <= 0 || q.template get<double>() > 1)
    top.fail("quorum must be a number in (0, 1]");
  b.quorum = q.template get<double>();
  b.consensus = top.boolean("consensus");
  const auto& hosts = top.array("hosts");
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    if (!hosts[i].is_string()) top.fail("hosts[" + std::to_string(i) + "] is not a string");
    b.hosts.push_back(hosts[i].template get<std::string>());
  }
  b.kernel_release = top.str("kernel_release");
  const auto& comps = top.array("components");
  for (std::size_t i = 0; i < comps.size(); ++i) {
    In c = top.element(comps[i], i, "components");
    PinnedComponent p;
    p.id = c.str("id");
    p.bus = c.str("bus");
    c.string_map("attrs", p.attrs);
    const auto& absent = c.array("absent", false);
    for (std::size_t k = 0; k < absent.size(); ++k) {
      if (!absent[k].is_string()) c.fail("absent[" + std::to_string(k) + "] is not a string");
      p.absent.push_back(absent[k].template get<std::string>());
    }
    if (!b.components.empty() && !(b.components.back().id < p.id))
      c.fail("components not sorted by id or id \"" + p.id + "\" repeated");
    b.components.push_back(std::move(p));
  }
  const auto& inc = top.array("incomplete", false);
  for (std::size_t i = 0; i < inc.size(); ++i) {
    if (!inc[i].is_string()) top.fail("incomplete[" + std::to_string(i) + "] is not a string");
    b.incomplete.push_back(inc[i].template get<std::string>());
  }
  const auto& mods = top.array("modules");
  for (std::size_t i = 0; i < mods.size(); ++i) {
    In m = top.element(mods[i], i, "modules");
    b.modules.push_back({m.str("name"), m.str("path"), m.str("sha256"), ""});
  }
  const auto& fw = top.array("firmware");
  for (std::size_t i = 0; i < fw.size(); ++i) {
    In f = top.element(fw[i], i, "firmware");
    b.firmware.push_back({f.str("path"), "", f.str("sha256"), f.str("symlink", false)});
  }
  In ev = top.object("eventlog");
  b.eventlog = ev.boolean("present");
  In pcrs = ev.object("pcrs");
  for (auto it = pcrs.raw().begin(); it != pcrs.raw().end(); ++it) {
    char* end = nullptr;
    const unsigned long pcr = std::strtoul(it.key().c_str(), &end, 10);
    if (it.key().empty() || *end || pcr > 63) pcrs.fail("PCR \"" + it.key() + "\" is not 0-63");
    if (!it.value().is_array()) pcrs.fail(it.key() + " is not an array");
    auto& seq = b.pcr_events[std::uint32_t(pcr)];
    for (std::size_t i = 0; i < it.value().size(); ++i) {
      In e = pcrs.element(it.value()[i], i, it.key().c_str());
      seq.push_back({std::uint32_t(e.uint("index")), e.str("type"), e.str("alg"), e.str("digest"), e.str("hint", false)});
    }
  }
  const auto& unp = ev.array("unpinned_pcrs");
  for (std::size_t i = 0; i < unp.size(); ++i) {
    if (!unp[i].is_number_unsigned()) ev.fail("unpinned_pcrs[" + std::to_string(i) + "] is not a PCR index");
    b.unpinned_pcrs.push_back(unp[i].template get<std::uint32_t>());
  }
  detail::runtime_policy_from_json(top, b);
  if (const auto* sig = top.find("signature")) {
    In s(*sig, "signature", source);
    if (s.str("alg") != "ed25519") s.fail("alg must be \"ed25519\"");
    auto pub = from_hex(s.str("public_key"));
    auto value = from_hex(s.str("value"));
    if (!pub || pub->size() != 32) s.fail("public_key must be 64 hex digits");
    if (!value || value->size() != 64) s.fail("value must be 128 hex digits");
    Baseline::Signature sg;
    std::copy(pub->begin(), pub->end(), sg.pub.begin());
    sg.value = std::move(*value);
    b.signature = std::move(sg);
  }
  return b;
}

}  // namespace

std::string signed_payload(const Baseline& b) { return body_json(b).dump(); }

void sign_baseline(Baseline& b, const KeyPair& key) {
  const std::string payload = signed_payload(b);
  Baseline::Signature s;
  s.pub = key.pub;
  s.value = sign_detached(std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()), key.secret);
  b.signature = std::move(s);
}

SignatureCheck check_signature(const Baseline& b, const std::optional<PublicKey>& trusted) {
  if (!b.signature) return SignatureCheck::unsigned_baseline;
  if (trusted && *trusted != b.signature->pub) return SignatureCheck::wrong_key;
  const std::string payload = signed_payload(b);
  const bool ok = verify_detached(std::span(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()),
                                  b.signature->value, b.signature->pub);
  return ok ? SignatureCheck::valid : SignatureCheck::bad_signature;
}

Json to_json(const Baseline& b) {
  Json j = body_json(b);
  if (b.signature)
    j["signature"] = {{"alg", "ed25519"},
                      {"key_id", key_id(b.signature->pub)},
                      {"public_key", to_hex(b.signature->pub)},
                      {"value", to_hex(b.signature->value)}};
  return j;
}

Baseline baseline_from_json(const Json& j, const std::string& source) { return from_json_impl(j, source); }
Baseline baseline_from_json(const nlohmann::json& j, const std::string& source) { return from_json_impl(j, source); }

Baseline read_baseline_text(std::string_view text, const std::string& source) {
  return from_json_impl(detail::parse_json_text<nlohmann::json>(text, source), source);
}

Baseline read_baseline_file(const std::filesystem::path& p) {
  return read_baseline_text(detail::read_whole_file(p.string()), p.string());
}

}  // namespace sg::attest
