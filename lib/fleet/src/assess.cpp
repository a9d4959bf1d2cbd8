// The verdict rules and the two correlations. Everything here is deterministic: groups and
// hosts are ordered maps, correlation ids are core::Finding::id() over sorted host lists.
#include "assess.hpp"

#include <algorithm>
#include <bitset>
#include <unordered_set>
#include <tuple>

#include "input_util.hpp"

namespace sg::fleet {
namespace {

bool is_egress_type(const std::string& type) { return type == "beacon" || type == "mgmt_egress"; }

std::string string_field(const core::Json& fields, const char* key) {
  auto it = fields.find(key);
  return (it != fields.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

std::string plural(std::size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

}  // namespace

FindingRow describe(const core::Finding& f, std::string id) {
  FindingRow r;
  r.id = std::move(id);
  r.plane = f.plane;
  r.type = f.type;
  r.severity = f.severity;
  r.first_seen = f.first_seen;
  r.last_seen = f.last_seen;
  // Hunt names a finding's host by its internal address: attribute it like fields.src.
  if (!f.host.empty()) {
    if (auto a = normalize_address(f.host))
      r.address = *a;
    else
      r.named_host = f.host;
  } else if (auto a = normalize_address(string_field(f.fields, "src"))) {
    r.address = *a;
  }
  r.model_hint = string_field(f.fields, "model");
  if (f.plane == core::Plane::hunt && is_egress_type(f.type)) {
    std::string dst = string_field(f.fields, "dst_name");
    if (dst.empty()) dst = string_field(f.fields, "dst");
    if (!dst.empty()) {
      r.corr_kind = CorrKind::destination;
      r.corr_key = dst;
    }
  } else if (f.plane == core::Plane::attest) {
    std::string component = string_field(f.fields, "component");
    if (component.empty()) component = f.subject;
    core::Json key = core::Json::object();
    key["type"] = f.type;
    key["component"] = component;
    key["after"] = f.fields.contains("after") ? f.fields["after"] : core::Json();
    r.corr_kind = CorrKind::component;
    r.corr_key = key.dump(-1, ' ', false, core::Json::error_handler_t::replace);
  }
  return r;
}

std::string attribution_key(const FindingRow& r) {
  if (!r.named_host.empty()) return "h:" + r.named_host;
  if (!r.address.empty()) return "a:" + r.address;
  return "u:";
}


void KeyAggregate::add(const FindingRow& r) {
  ++findings;
  if (!worst || r.severity > *worst) worst = r.severity;
  if (model_hint.empty()) model_hint = r.model_hint;
  const auto seen = r.last_seen ? r.last_seen : r.first_seen;
  if (seen && (!latest || *seen > *latest || (*seen == *latest && r.id > latest_id))) {
    latest = seen;
    latest_id = r.id;
  } else if (!latest && latest_id.empty()) {
    latest_id = r.id;
  }
  if (r.severity >= core::Severity::high) high_planes |= 1u << unsigned(r.plane);
  switch (r.severity) {
    case core::Severity::critical:
      ++critical;
      if (critical_ids.empty() || r.id < critical_ids.front()) {
        critical_type = r.type;
        critical_plane = r.plane;
      }
      critical_ids.insert_sorted(r.id, kReasonCap);
      break;
    case core::Severity::high:
      ++high;
      high_ids.insert_sorted(r.id, kReasonCap);
      break;
    case core::Severity::medium:
      ++medium;
      medium_ids.insert_sorted(r.id, kReasonCap);
      break;
    default:
      break;
  }
}

void KeyAggregate::merge(const KeyAggregate& o) {
  if (key.empty()) key = o.key;
  findings += o.findings;
  if (o.worst && (!worst || *o.worst > *worst)) worst = o.worst;
  if (model_hint.empty()) model_hint = o.model_hint;
  if (o.latest && (!latest || *o.latest > *latest || (*o.latest == *latest && o.latest_id > latest_id))) {
    latest = o.latest;
    latest_id = o.latest_id;
  } else if (!latest && latest_id.empty()) {
    latest_id = o.latest_id;
  }
  high_planes |= o.high_planes;
  if (!o.critical_ids.empty() && (critical_ids.empty() || o.critical_ids.front() < critical_ids.front())) {
    critical_type = o.critical_type;
    critical_plane = o.critical_plane;
  }
  critical += o.critical;
  high += o.high;
  medium += o.medium;
  for (const auto id : o.critical_ids) critical_ids.insert_sorted(id, kReasonCap);
  for (const auto id : o.high_ids) high_ids.insert_sorted(id, kReasonCap);
  for (const auto id : o.medium_ids) medium_ids.insert_sorted(id, kReasonCap);
}

void KeyAggregate::drop_ids_below_critical() {
  if (!critical) return;
  high_ids = IdList();
  medium_ids = IdList();
}

Assessor::Assessor(const std::vector<HostRecord>& hosts, const std::vector<AddressRecord>& addresses,
                   ViewOptions options)
    : options_(options) {
  // Sized once: at 10^5 hosts, rehashing these tables was a visible part of every verdict.
  index_.reserve(hosts.size() + addresses.size() / 2 + 16);
  hosts_.reserve(hosts.size() + 16);
  owner_.reserve(addresses.size());
  addresses_.reserve(hosts.size());
  // Inventory first: a CMDB record beats what a snapshot says about the same host or address.
  for (Origin origin : {Origin::inventory, Origin::snapshot}) {
    for (const auto& h : hosts) {
      if (h.origin != origin) continue;
      auto& s = hosts_[std::size_t(host_index(h.host))];
      if (s.model.empty() && !h.model.empty()) {
        s.model = h.model;
        s.model_from_record = true;
      }
      if (s.batch.empty()) s.batch = h.batch;
    }
    for (const auto& a : addresses) {
      if (a.origin != origin) continue;
      if (owner_.emplace(a.address, a.host).second) {
        addresses_[a.host].push_back(a.address);
        host_index(a.host);  // an address record implies the host exists
      }
    }
  }
}

int Assessor::host_index(const std::string& host) {
  // try_emplace: emplace would build a node (a copy of the name) for every lookup that finds one.
  auto [it, fresh] = index_.try_emplace(host, int(hosts_.size()));
  if (fresh) {
    hosts_.emplace_back();
    hosts_.back().host = host;
  }
  return it->second;
}

std::string Assessor::resolve(const FindingRow& row) const {
  if (!row.named_host.empty()) return row.named_host;
  if (!row.address.empty()) {
    auto it = owner_.find(row.address);
    return it != owner_.end() ? it->second : row.address;
  }
  return kUnattributed;
}

int Assessor::resolve_index(const FindingRow& row) {
  if (!row.named_host.empty()) return host_index(row.named_host);
  if (!row.address.empty()) {
    auto it = owner_.find(row.address);
    return host_index(it != owner_.end() ? it->second : row.address);
  }
  return host_index(kUnattributed);
}

std::string Assessor::resolve_key(const std::string& key) const {
  if (key.rfind("h:", 0) == 0) return key.substr(2);
  if (key.rfind("a:", 0) == 0) {
    auto it = owner_.find(key.substr(2));
    return it != owner_.end() ? it->second : key.substr(2);
  }
  return kUnattributed;
}

int Assessor::Pool::intern(const std::string& s) {
  auto [it, fresh] = index.try_emplace(s, int(values.size()));
  if (fresh) values.push_back(s);
  return it->second;
}

void Assessor::add(const FindingRow& row) {
  const std::string key = attribution_key(row);
  auto& k = pending_[key];
  k.key = key;
  k.add(row);
  if (row.corr_kind != CorrKind::none) add_candidate(row);
}

void Assessor::add_aggregate(const KeyAggregate& k) { fold(k); }

void Assessor::fold(const KeyAggregate& k) { fold(host_index(resolve_key(k.key)), k); }

void Assessor::add_host_aggregate(const std::string& host, KeyAggregate&& k) { fold(host_index(host), std::move(k)); }

void Assessor::fold(int host, KeyAggregate&& k) {
  auto& s = hosts_[std::size_t(host)];
  // The host's first aggregate (one row a host in agg_hosts) is taken over, not merged id by id.
  if (s.agg.findings != 0 || !s.agg.key.empty()) return fold(host, static_cast<const KeyAggregate&>(k));
  if (!s.model_from_record && s.model.empty()) s.model = k.model_hint;
  s.agg = std::move(k);
  s.agg.drop_ids_below_critical();
}

void Assessor::fold(int host, const KeyAggregate& k) {
  auto& s = hosts_[std::size_t(host)];
  if (!s.model_from_record && s.model.empty() && !k.model_hint.empty()) s.model = k.model_hint;
  s.agg.merge(k);
  s.agg.drop_ids_below_critical();
}

void Assessor::add_candidate(const FindingRow& row) {
  if (row.corr_kind != CorrKind::none) add_candidate(resolve_index(row), row);
}

void Assessor::add_candidate(const FindingRow& row, const std::string& host) {
  if (row.corr_kind != CorrKind::none) add_candidate(host_index(host), row);
}

void Assessor::add_candidate(int h, const FindingRow& row) {
  const IdRef id{std::uint32_t(ids_.size()), std::uint32_t(row.id.size())};
  ids_ += row.id;
  candidates_.push_back({h, row.corr_kind, types_.intern(row.type), keys_.intern(row.corr_key), id, row.first_seen,
                         row.last_seen, row.severity});
}

std::vector<core::Finding> Assessor::correlate(std::unordered_map<int, std::vector<int>>& member_of,
                                               std::vector<std::string>& ids) const {
  struct Group {
    int kind = 0;
    bool by_batch = false;
    const std::string* value = nullptr;  // the model or batch
    int key = 0;                         // keys_ index: destination or component change
    std::vector<int> hosts;              // host indices, may repeat until deduplicated
    std::vector<int> members;            // candidate indices
  };
  static const std::string kUnknown = "unknown";
  auto model_of = [&](int h) -> const std::string& {
    const auto& m = hosts_[std::size_t(h)].model;
    return m.empty() ? kUnknown : m;
  };
  // Models and batches interned too, so a group key is four small integers.
  Pool values;
  std::vector<int> model_idx(hosts_.size()), batch_idx(hosts_.size(), -1);
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    model_idx[h] = values.intern(model_of(int(h)));
    if (!hosts_[h].batch.empty()) batch_idx[h] = values.intern(hosts_[h].batch);
  }
  auto pack = [](int kind, bool by_batch, int value, int key) {
    return (std::uint64_t(std::uint32_t(key)) << 32) | (std::uint64_t(std::uint32_t(value)) << 3) |
           (std::uint64_t(by_batch) << 2) | std::uint64_t(kind);
  };
  // Group by sorting (packed key, host, candidate) triples rather than a hash map of per-group
  // vectors: with a million candidates most groups are singletons, and allocating, rehashing and
  // freeing their vectors was most of the verdict time. Only runs reaching K become Groups.
  struct Entry {
    std::uint64_t key;
    int host, candidate;
  };
  std::vector<Entry> entries;
  entries.reserve(candidates_.size() + candidates_.size() / 2);
  for (int i = 0; i < int(candidates_.size()); ++i) {
    const auto& c = candidates_[std::size_t(i)];
    entries.push_back({pack(int(c.kind), false, model_idx[std::size_t(c.host)], c.key), c.host, i});
    if (c.kind == CorrKind::component && batch_idx[std::size_t(c.host)] >= 0)
      entries.push_back({pack(int(c.kind), true, batch_idx[std::size_t(c.host)], c.key), c.host, i});
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.key, a.host, a.candidate) < std::tie(b.key, b.host, b.candidate);
  });

  // Only groups reaching K distinct hosts become findings.
  const std::size_t k_min = std::max<std::size_t>(options_.min_hosts, 1);
  std::vector<Group> groups;
  for (std::size_t run = 0; run < entries.size();) {
    std::size_t end = run, distinct = 0;
    for (; end < entries.size() && entries[end].key == entries[run].key; ++end)
      if (end == run || entries[end].host != entries[end - 1].host) ++distinct;
    if (distinct >= k_min) {
      const auto& first = candidates_[std::size_t(entries[run].candidate)];
      const bool by_batch = (entries[run].key >> 2) & 1u;
      const int value = int((entries[run].key >> 3) & 0x1FFFFFFFu);
      Group g;
      g.kind = int(first.kind);
      g.by_batch = by_batch;
      g.value = &values.values[std::size_t(value)];
      g.key = first.key;
      for (std::size_t e = run; e < end; ++e) {
        if (g.hosts.empty() || g.hosts.back() != entries[e].host) g.hosts.push_back(entries[e].host);
        g.members.push_back(entries[e].candidate);
      }
      std::sort(g.members.begin(), g.members.end());
      groups.push_back(std::move(g));
    }
    run = end;
  }
  std::vector<Group*> hits;
  for (auto& g : groups) hits.push_back(&g);
  const auto& keys = keys_.values;
  std::sort(hits.begin(), hits.end(), [&](const Group* a, const Group* b) {
    return std::tie(a->kind, a->by_batch, *a->value, keys[std::size_t(a->key)]) <
           std::tie(b->kind, b->by_batch, *b->value, keys[std::size_t(b->key)]);
  });
  std::map<std::string, std::size_t> group_sizes;  // "m"/"b" + value -> hosts in that model/batch
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    ++group_sizes["m" + model_of(int(h))];
    if (!hosts_[h].batch.empty()) ++group_sizes["b" + hosts_[h].batch];
  }

  std::vector<std::pair<std::string, core::Finding>> out;  // (id, finding): id() serializes, compute once
  std::vector<std::vector<int>> out_members;
  // A batch group that has exactly the hosts of a model group for the same change says nothing new.
  std::set<std::pair<int, std::vector<int>>> emitted;
  for (const Group* g : hits) {
    const std::string& value = *g->value;
    const std::string& key = keys[std::size_t(g->key)];
    const std::string by = g->by_batch ? "batch" : "model";
    if (!emitted.emplace(g->key, g->hosts).second) continue;
    std::vector<std::string> hosts;
    for (int h : g->hosts) hosts.push_back(hosts_[std::size_t(h)].host);
    std::sort(hosts.begin(), hosts.end());
    std::set<std::string> members, type_set;
    std::optional<core::Micros> first, last;
    for (int i : g->members) {
      const auto& c = candidates_[std::size_t(i)];
      members.emplace(id_of(c.id));
      type_set.insert(types_.values[std::size_t(c.type)]);
      if (c.first && (!first || *c.first < *first)) first = c.first;
      const auto l = c.last ? c.last : c.first;
      if (l && (!last || *l > *last)) last = l;
    }
    std::vector<std::string> types(type_set.begin(), type_set.end());
    core::Finding f;
    f.plane = core::Plane::fleet;
    f.severity = core::Severity::critical;
    f.first_seen = first;
    f.last_seen = last;
    const std::size_t group_size = std::max(group_sizes[(g->by_batch ? "b" : "m") + value], hosts.size());
    f.score = double(hosts.size()) / double(group_size);
    if (g->kind == int(CorrKind::destination)) {
      f.type = "shared_destination";
      f.subject = key + " (model " + value + ")";
      f.fields["destination"] = key;
      f.fields["model"] = value;
      f.summary = std::to_string(hosts.size()) + " of " + std::to_string(group_size) + " hosts of model " + value +
                  " reach " + key + " (" + join(types, ", ") + ")";
    } else {
      const auto parsed = core::Json::parse(key, nullptr, false);
      const std::string component = parsed.is_object() ? parsed.value("component", std::string()) : key;
      const std::string change = parsed.is_object() ? parsed.value("type", std::string()) : std::string();
      f.type = "shared_component_change";
      f.subject = component + " (" + by + " " + value + ")";
      if (g->by_batch) {  // name the model when the whole batch group shares one
        std::set<std::string> models;
        for (int h : g->hosts) models.insert(model_of(h));
        f.fields["model"] = models.size() == 1 ? *models.begin() : "mixed";
        f.fields["batch"] = value;
      } else {
        f.fields["model"] = value;
      }
      f.fields["component"] = component;
      f.fields["change"] = change;
      if (parsed.is_object() && parsed.contains("after") && !parsed["after"].is_null()) f.fields["after"] = parsed["after"];
      f.summary = std::to_string(hosts.size()) + " of " + std::to_string(group_size) + " hosts of " + by + " " +
                  value + " show the same " + change + " on " + component;
    }
    f.fields["hosts"] = hosts;
    f.fields["count"] = hosts.size();
    f.evidence["findings"] = std::vector<std::string>(members.begin(), members.end());
    f.evidence["group_hosts"] = group_size;
    std::string id = f.id();
    out.emplace_back(std::move(id), std::move(f));
    out_members.push_back(g->members);
  }
  // Sort by id; member_of refers to positions in the sorted list.
  std::vector<std::size_t> order(out.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return out[a].first < out[b].first; });
  std::vector<core::Finding> sorted;
  sorted.reserve(out.size());
  for (std::size_t pos = 0; pos < order.size(); ++pos) {
    for (int m : out_members[order[pos]]) member_of[m].push_back(int(pos));
    ids.push_back(out[order[pos]].first);
    sorted.push_back(std::move(out[order[pos]].second));
  }
  return sorted;
}

Assessment Assessor::finish() {
  for (const auto& [key, k] : pending_) fold(k);
  pending_.clear();
  Assessment a;
  std::unordered_map<int, std::vector<int>> member_of;  // candidate -> correlation positions
  std::vector<std::string> corr_ids;
  a.correlations = correlate(member_of, corr_ids);
  std::vector<std::string> corr_labels;  // "shared_destination 203.0.113.66", for the why
  for (const auto& c : a.correlations)
    corr_labels.push_back(c.type + " " + c.fields.value("destination", c.fields.value("component", std::string())));
  // Per host, its high-or-above findings that are part of a correlation, most severe first.
  std::vector<std::vector<int>> correlated_of(hosts_.size());
  for (const auto& [cand, positions] : member_of) {
    const auto& c = candidates_[std::size_t(cand)];
    if (c.severity >= core::Severity::high) correlated_of[std::size_t(c.host)].push_back(cand);
  }

  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    auto& s = hosts_[h];
    KeyAggregate& g = s.agg;  // its id lists are moved into the verdict
    HostVerdict v;
    v.host = s.host;
    v.model = s.model.empty() ? "unknown" : s.model;
    v.batch = s.batch;
    v.worst = g.worst;
    v.findings = g.findings;
    auto& correlated_ids = correlated_of[h];
    std::sort(correlated_ids.begin(), correlated_ids.end(), [&](int x, int y) {
      const auto &cx = candidates_[std::size_t(x)], &cy = candidates_[std::size_t(y)];
      return cx.severity != cy.severity ? cx.severity > cy.severity : id_of(cx.id) < id_of(cy.id);
    });
    IdList reasons;
    std::vector<std::string> why;
    // Views into storage that outlives the loop body (the host's aggregate, the id arena,
    // corr_ids): no copy of an id but the one in `reasons`.
    std::unordered_set<std::string_view> seen;
    // Without correlations the ids come from sorted lists of distinct findings (an id is a hash
    // of content, severity included): nothing to deduplicate, and the lists can be moved.
    const bool dedupe = !correlated_ids.empty();
    auto reason = [&](std::string_view id) {
      if (!dedupe || seen.emplace(id).second) reasons.push_back(id);
    };
    auto take = [&](IdList& ids) {
      if (!dedupe && reasons.empty()) reasons = std::move(ids);
      else
        for (const auto id : ids) reason(id);
    };
    bool cut = false;  // a reason list was capped at kReasonCap
    if (g.critical) {
      cut |= g.critical > g.critical_ids.size();
      take(g.critical_ids);
      why.push_back("critical " + g.critical_type + " (" + std::string(core::to_string(g.critical_plane)) + ")");
      if (g.critical > 1) why.back() += " and " + std::to_string(g.critical - 1) + " more critical";
    }
    std::size_t correlated = 0;
    std::set<std::string> corr_types;
    for (int cand : correlated_ids) {
      reason(id_of(candidates_[std::size_t(cand)].id));
      ++correlated;
      for (int pos : member_of[cand]) {
        reason(corr_ids[std::size_t(pos)]);
        corr_types.insert(corr_labels[std::size_t(pos)]);
      }
    }
    if (correlated)
      why.push_back(plural(correlated, "finding") + " shared across the fleet (" +
                    join(std::vector<std::string>(corr_types.begin(), corr_types.end()), ", ") + ")");
    // Two planes agreeing is its own reason, named only when nothing stronger already is.
    if (std::bitset<8>(g.high_planes).count() >= 2 && reasons.empty()) {
      std::vector<std::string> planes;
      for (auto p : {core::Plane::attest, core::Plane::hunt, core::Plane::inspect, core::Plane::fleet})
        if (g.high_planes & (1u << unsigned(p))) planes.emplace_back(core::to_string(p));
      cut |= g.high > g.high_ids.size();
      take(g.high_ids);
      why.push_back("high findings on " + std::to_string(planes.size()) + " planes (" + join(planes, ", ") + ")");
    }
    if (!reasons.empty()) {
      v.verdict = Verdict::compromised;
    } else if (g.high + g.medium > 0) {
      v.verdict = Verdict::suspect;
      cut |= g.high > g.high_ids.size() || g.medium > g.medium_ids.size();
      take(g.high_ids);
      take(g.medium_ids);
      std::vector<std::string> parts;
      if (g.high) parts.push_back(std::to_string(g.high) + " high");
      if (g.medium) parts.push_back(std::to_string(g.medium) + " medium");
      why.push_back(join(parts, " and ") + " finding" + (g.high + g.medium == 1 ? "" : "s") +
                    ", none critical or shared across the fleet");
    } else {
      v.verdict = Verdict::clean;
      why.push_back(g.findings ? "no finding above low" : "no findings");
    }
    if (cut) why.push_back("reasons name the first " + std::to_string(kReasonCap) + " ids per severity");
    v.reasons = std::move(reasons);
    v.why = join(why, "; ");
    a.verdicts.push_back(std::move(v));
    // The host's reason ids are in its verdict now: free them as we go, so the aggregates of
    // 10^5 hosts (up to 96 ids each) and their verdicts are not both held at the peak.
    s.agg = KeyAggregate{};
  }
  // Sorted by index, then moved once: a verdict is strings and vectors, and sorting 10^5 of
  // them in place moved each one a dozen times.
  std::vector<std::uint32_t> order(a.verdicts.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = std::uint32_t(i);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t i, std::uint32_t j) {
    const HostVerdict &x = a.verdicts[i], &y = a.verdicts[j];
    if (x.verdict != y.verdict) return x.verdict > y.verdict;
    const int wx = x.worst ? int(*x.worst) : -1, wy = y.worst ? int(*y.worst) : -1;
    if (wx != wy) return wx > wy;
    return x.host < y.host;
  });
  std::vector<HostVerdict> sorted;
  sorted.reserve(order.size());
  for (const auto i : order) sorted.push_back(std::move(a.verdicts[i]));
  a.verdicts = std::move(sorted);
  return a;
}

std::vector<HostInfo> Assessor::host_infos() const {
  std::vector<HostInfo> out;
  for (const auto& s : hosts_) {
    HostInfo h;
    h.host = s.host;
    h.model = s.model.empty() ? "unknown" : s.model;
    h.batch = s.batch;
    if (auto it = addresses_.find(s.host); it != addresses_.end()) h.addresses = it->second;
    out.push_back(std::move(h));
  }
  std::sort(out.begin(), out.end(), [](const HostInfo& a, const HostInfo& b) { return a.host < b.host; });
  return out;
}

}  // namespace sg::fleet
