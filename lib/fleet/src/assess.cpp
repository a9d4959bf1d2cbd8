// The verdict rules and the two correlations. Everything here is deterministic: groups and
// hosts are ordered maps, correlation ids are core::Finding::id() over sorted host lists.
#include "assess.hpp"

#include <algorithm>

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

Assessor::Assessor(const std::vector<HostRecord>& hosts, const std::vector<AddressRecord>& addresses,
                   ViewOptions options)
    : options_(options) {
  // Inventory first: a CMDB record beats what a snapshot says about the same host or address.
  for (Origin origin : {Origin::inventory, Origin::snapshot}) {
    for (const auto& h : hosts) {
      if (h.origin != origin) continue;
      auto& s = hosts_[h.host];
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
        hosts_[a.host];  // an address record implies the host exists
      }
    }
  }
}

std::string Assessor::resolve(const FindingRow& row) const {
  if (!row.named_host.empty()) return row.named_host;
  if (!row.address.empty()) {
    auto it = owner_.find(row.address);
    return it != owner_.end() ? it->second : row.address;
  }
  return kUnattributed;
}

Assessor::HostState& Assessor::host_state(const std::string& host) { return hosts_[host]; }

void Assessor::add(const FindingRow& row) {
  const std::string host = resolve(row);
  auto& s = host_state(host);
  if (!s.model_from_record && s.model.empty() && !row.model_hint.empty()) s.model = row.model_hint;
  ++s.findings;
  if (!s.worst || row.severity > *s.worst) s.worst = row.severity;
  if (row.severity >= core::Severity::medium) s.notable.push_back({row.severity, row.id, row.type, row.plane});
  if (row.severity >= core::Severity::high) s.high_planes.insert(row.plane);
  if (row.corr_kind != CorrKind::none)
    candidates_.push_back({host, row.id, row.type, row.corr_key, row.corr_kind, row.severity, row.first_seen, row.last_seen});
}

std::vector<core::Finding> Assessor::correlate(std::map<std::string, std::vector<std::string>>& member_of) const {
  struct Group {
    std::set<std::string> hosts;
    std::set<std::string> members, types;
    std::optional<core::Micros> first, last;
  };
  auto model_of = [&](const std::string& host) {
    auto it = hosts_.find(host);
    return (it == hosts_.end() || it->second.model.empty()) ? std::string("unknown") : it->second.model;
  };
  auto batch_of = [&](const std::string& host) {
    auto it = hosts_.find(host);
    return it == hosts_.end() ? std::string() : it->second.batch;
  };
  // (kind, group-by value, key) -> group. "model"/"batch" say which attribute groups it.
  std::map<std::tuple<int, std::string, std::string, std::string>, Group> groups;
  for (const auto& c : candidates_) {
    auto put = [&](const char* by, const std::string& value) {
      auto& g = groups[{int(c.kind), by, value, c.key}];
      g.hosts.insert(c.host);
      g.members.insert(c.id);
      g.types.insert(c.type);
      if (c.first && (!g.first || *c.first < *g.first)) g.first = c.first;
      const auto last = c.last ? c.last : c.first;
      if (last && (!g.last || *last > *g.last)) g.last = last;
    };
    put("model", model_of(c.host));
    if (c.kind == CorrKind::component) {
      const std::string batch = batch_of(c.host);
      if (!batch.empty()) put("batch", batch);
    }
  }

  std::vector<core::Finding> out;
  // A batch group that has exactly the hosts of a model group for the same change says nothing new.
  std::set<std::pair<std::string, std::set<std::string>>> emitted;
  for (const auto& [k, g] : groups) {
    const auto& [kind, by, value, key] = k;
    if (g.hosts.size() < std::max<std::size_t>(options_.min_hosts, 1)) continue;
    if (!emitted.emplace(key, g.hosts).second) continue;
    std::vector<std::string> hosts(g.hosts.begin(), g.hosts.end());
    std::vector<std::string> types(g.types.begin(), g.types.end());
    core::Finding f;
    f.plane = core::Plane::fleet;
    f.severity = core::Severity::critical;
    f.first_seen = g.first;
    f.last_seen = g.last;
    std::size_t group_size = 0;  // hosts of that model/batch, for the score and the summary
    for (const auto& [h, s] : hosts_)
      if ((by == "model" ? model_of(h) : s.batch) == value) ++group_size;
    group_size = std::max(group_size, hosts.size());
    f.score = double(hosts.size()) / double(group_size);
    if (kind == int(CorrKind::destination)) {
      f.type = "shared_destination";
      f.subject = key + " (model " + value + ")";
      f.fields["destination"] = key;
      f.fields["model"] = value;
      f.summary = std::to_string(hosts.size()) + " of " + std::to_string(group_size) + " hosts of model " + value +
                  " reach " + key + " (" + join(types, ", ") + ")";
    } else {
      const auto parsed = core::Json::parse(key);
      const std::string component = parsed.value("component", std::string());
      f.type = "shared_component_change";
      f.subject = component + " (" + by + " " + value + ")";
      std::string model = by == "model" ? value : std::string();
      if (by == "batch") {  // name the model when the whole batch group shares one
        std::set<std::string> models;
        for (const auto& h : hosts) models.insert(model_of(h));
        model = models.size() == 1 ? *models.begin() : "mixed";
        f.fields["model"] = model;
        f.fields["batch"] = value;
      } else {
        f.fields["model"] = value;
      }
      f.fields["component"] = component;
      f.fields["change"] = parsed.value("type", std::string());
      if (!parsed["after"].is_null()) f.fields["after"] = parsed["after"];
      f.summary = std::to_string(hosts.size()) + " of " + std::to_string(group_size) + " hosts of " + by + " " +
                  value + " show the same " + parsed.value("type", std::string()) + " on " + component;
    }
    f.fields["hosts"] = hosts;
    f.fields["count"] = hosts.size();
    f.evidence["findings"] = std::vector<std::string>(g.members.begin(), g.members.end());
    f.evidence["group_hosts"] = group_size;
    const std::string id = f.id();
    for (const auto& m : g.members) member_of[m].push_back(id);
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const core::Finding& a, const core::Finding& b) { return a.id() < b.id(); });
  return out;
}

Assessment Assessor::finish() {
  Assessment a;
  std::map<std::string, std::vector<std::string>> member_of;  // finding id -> correlation ids
  a.correlations = correlate(member_of);
  std::map<std::string, const core::Finding*> corr_by_id;
  for (const auto& c : a.correlations) corr_by_id[c.id()] = &c;

  for (auto& [host, s] : hosts_) {
    HostVerdict v;
    v.host = host;
    v.model = s.model.empty() ? "unknown" : s.model;
    v.batch = s.batch;
    v.worst = s.worst;
    v.findings = s.findings;
    std::sort(s.notable.begin(), s.notable.end(), [](const auto& x, const auto& y) {
      return x.severity != y.severity ? x.severity > y.severity : x.id < y.id;
    });
    std::vector<std::string> reasons, why;
    auto reason = [&](const std::string& id) {
      if (std::find(reasons.begin(), reasons.end(), id) == reasons.end()) reasons.push_back(id);
    };
    std::size_t critical = 0, correlated = 0;
    std::set<std::string> corr_types;
    for (const auto& n : s.notable) {
      if (n.severity == core::Severity::critical) {
        reason(n.id);
        if (critical++ == 0) why.push_back("critical " + n.type + " (" + std::string(core::to_string(n.plane)) + ")");
      }
    }
    if (critical > 1) why.back() += " and " + std::to_string(critical - 1) + " more critical";
    for (const auto& n : s.notable) {
      auto m = member_of.find(n.id);
      if (n.severity < core::Severity::high || m == member_of.end()) continue;
      reason(n.id);
      ++correlated;
      for (const auto& cid : m->second) {
        reason(cid);
        corr_types.insert(corr_by_id.at(cid)->type + " " + corr_by_id.at(cid)->fields.value("destination",
                          corr_by_id.at(cid)->fields.value("component", std::string())));
      }
    }
    if (correlated)
      why.push_back(plural(correlated, "finding") + " shared across the fleet (" +
                    join(std::vector<std::string>(corr_types.begin(), corr_types.end()), ", ") + ")");
    if (s.high_planes.size() >= 2) {
      std::vector<std::string> planes;
      for (auto p : s.high_planes) planes.emplace_back(core::to_string(p));
      for (const auto& n : s.notable)
        if (n.severity >= core::Severity::high) reason(n.id);
      why.push_back("high findings on " + std::to_string(planes.size()) + " planes (" + join(planes, ", ") + ")");
    }
    if (!reasons.empty()) {
      v.verdict = Verdict::compromised;
    } else if (!s.notable.empty()) {
      v.verdict = Verdict::suspect;
      std::size_t high = 0, medium = 0;
      for (const auto& n : s.notable) {
        reason(n.id);
        (n.severity == core::Severity::high ? high : medium)++;
      }
      std::vector<std::string> parts;
      if (high) parts.push_back(std::to_string(high) + " high");
      if (medium) parts.push_back(std::to_string(medium) + " medium");
      why.push_back(join(parts, " and ") + " finding" + (high + medium == 1 ? "" : "s") +
                    ", none critical or shared across the fleet");
    } else {
      v.verdict = Verdict::clean;
      why.push_back(s.findings ? "no finding above low" : "no findings");
    }
    v.reasons = std::move(reasons);
    v.why = join(why, "; ");
    a.verdicts.push_back(std::move(v));
  }
  std::stable_sort(a.verdicts.begin(), a.verdicts.end(), [](const HostVerdict& x, const HostVerdict& y) {
    if (x.verdict != y.verdict) return x.verdict > y.verdict;
    const int wx = x.worst ? int(*x.worst) : -1, wy = y.worst ? int(*y.worst) : -1;
    if (wx != wy) return wx > wy;
    return x.host < y.host;
  });
  return a;
}

std::vector<HostInfo> Assessor::host_infos() const {
  std::vector<HostInfo> out;
  for (const auto& [host, s] : hosts_) {
    HostInfo h;
    h.host = host;
    h.model = s.model.empty() ? "unknown" : s.model;
    h.batch = s.batch;
    if (auto it = addresses_.find(host); it != addresses_.end()) h.addresses = it->second;
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace sg::fleet
