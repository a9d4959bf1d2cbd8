// Snapshot vs golden: the diff that answers "is this server still its original design?"
#include "supplyguard/attest/verify.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "attrs_json.hpp"
#include "policy.hpp"
#include "runtime_policy.hpp"
#include "supplyguard/attest/digest.hpp"
#include "supplyguard/attest/eventlog.hpp"

namespace sg::attest {
namespace {

using core::Finding;
using core::Severity;

double score_of(Severity s) {
  switch (s) {
    case Severity::critical: return 0.95;
    case Severity::high: return 0.8;
    case Severity::medium: return 0.6;
    case Severity::low: return 0.4;
    default: return 0.2;
  }
}

class Emitter {
 public:
  Emitter(const Snapshot& s, const std::string& model, const VerifyContext& ctx) : s_(s), model_(model), ctx_(ctx) {}
  Finding& emit(std::string type, Severity sev, std::string component, std::string summary) {
    Finding f;
    f.plane = core::Plane::attest;
    f.type = std::move(type);
    f.severity = sev;
    f.score = score_of(sev);
    f.host = s_.host.hostname;
    f.subject = component;
    f.summary = s_.host.hostname + ": " + summary;
    if (auto t = core::parse_iso8601(s_.collected_at)) f.first_seen = f.last_seen = *t;
    f.fields["model"] = model_;
    f.fields["component"] = std::move(component);
    if (!ctx_.baseline_label.empty()) f.evidence["baseline"] = ctx_.baseline_label;
    if (!ctx_.signer.empty()) f.evidence["signer"] = ctx_.signer;
    out_.push_back(std::move(f));
    return out_.back();
  }
  std::vector<Finding> take() { return std::move(out_); }

 private:
  const Snapshot& s_;
  std::string model_;
  const VerifyContext& ctx_;
  std::vector<Finding> out_;
};

// What the comparison left out because one side could not read it: one evidence_unreadable
// finding per category and side, never a change.
struct Blind {
  std::map<std::string, std::string> host;      // category -> why (this snapshot could not read it)
  std::map<std::string, std::string> baseline;  // category -> why (the golden hosts could not)
  void by_host(const std::string& cat, const std::string& why) { host.emplace(cat, why); }
};

// Attributes whose change means different hardware or firmware, not just runtime state.
Severity change_severity(const std::vector<std::string>& keys) {
  static const std::set<std::string> soft = {"driver", "config_sha256", "parent"};
  for (const auto& k : keys)
    if (!soft.count(k)) return Severity::high;
  return Severity::medium;
}

Severity added_severity(const std::string& bus) {
  // An unknown device on a server's buses is the implant case the reports describe.
  if (bus == "pci" || bus == "i2c") return Severity::critical;
  return Severity::high;
}

void diff_components(const Snapshot& s, const Baseline& b, const detail::EvidenceGaps& gaps, Emitter& em,
                     Blind& blind) {
  std::unordered_map<std::string, const Component*> have;
  for (const auto& c : s.components) have.emplace(c.id, &c);
  std::unordered_map<std::string, const PinnedComponent*> pinned;
  for (const auto& p : b.components) pinned.emplace(p.id, &p);
  const std::set<std::string> baseline_partial(b.incomplete.begin(), b.incomplete.end());

  for (const auto& p : b.components) {
    auto it = have.find(p.id);
    if (it == have.end()) {
      // Not seen where the category's source could not be read (raw SMBIOS table as non-root,
      // a bus directory): unknown, not removed.
      if (gaps.partial(p.bus)) {
        blind.by_host(p.bus, gaps.why(p.bus));
        continue;
      }
      auto& f = em.emit("component_removed", Severity::medium, p.id, p.id + " is missing (in the golden " + p.bus + " inventory)");
      f.fields["before"] = detail::attrs_json(p.attrs);
      continue;
    }
    const Component& c = *it->second;
    core::Json before = core::Json::object(), after = core::Json::object();
    std::vector<std::string> changed;
    // Compared only where both sides could read it: an attribute this host could not read, or
    // lacks because its category was read through a poorer source, is unknown.
    auto comparable = [&](const std::string& k) {
      if (detail::runtime_attribute(c.bus, c.attrs, k)) return false;  // baselines before the split
      if (gaps.unknown(c.id, k)) {
        blind.by_host(c.bus, gaps.attribute.at(c.id + "\n" + k));
        return false;
      }
      if (!c.attrs.count(k) && gaps.partial(c.bus)) {
        blind.by_host(c.bus, gaps.why(c.bus));
        return false;
      }
      return true;
    };
    for (const auto& [k, v] : p.attrs) {
      auto a = c.attrs.find(k);
      if (a != c.attrs.end() && a->second == v) continue;
      if (!comparable(k)) continue;
      before[k] = v;
      after[k] = a == c.attrs.end() ? core::Json(nullptr) : core::Json(a->second);
      changed.push_back(k);
    }
    for (const auto& k : p.absent) {
      auto a = c.attrs.find(k);
      if (a == c.attrs.end() || !comparable(k)) continue;
      if (baseline_partial.count(c.bus)) {  // absent on golden hosts that could not read it all
        blind.baseline.emplace(c.bus, "");
        continue;
      }
      before[k] = nullptr;
      after[k] = a->second;
      changed.push_back(k);
    }
    if (changed.empty()) continue;
    std::string list;
    for (const auto& k : changed) list += (list.empty() ? "" : ", ") + k;
    auto& f = em.emit("component_changed", change_severity(changed), p.id, p.id + " changed: " + list);
    f.fields["before"] = std::move(before);
    f.fields["after"] = std::move(after);
    for (const auto& k : changed)
      if (k.find("sha256") != std::string::npos) {
        f.evidence[k + "_expected"] = p.attrs.count(k) ? p.attrs.at(k) : "";
        f.evidence[k + "_found"] = c.attrs.count(k) ? c.attrs.at(k) : "";
      }
  }
  for (const auto& c : s.components) {
    if (pinned.count(c.id)) continue;
    // The golden hosts read this category only in part (e.g. no raw SMBIOS table): a component
    // they could not have seen is not "added".
    if (baseline_partial.count(c.bus)) {
      blind.baseline.emplace(c.bus, "");
      continue;
    }
    std::string what = c.id;
    if (c.bus == "pci" && c.attrs.count("vendor") && c.attrs.count("device"))
      what += " (" + c.attrs.at("vendor").substr(c.attrs.at("vendor").rfind('x') + 1) + ":" +
              c.attrs.at("device").substr(c.attrs.at("device").rfind('x') + 1) + ")";
    else if (c.attrs.count("name")) what += " (" + c.attrs.at("name") + ")";
    else if (c.attrs.count("product")) what += " (" + c.attrs.at("product") + ")";
    auto& f = em.emit("component_added", added_severity(c.bus), c.id,
                      what + " is not part of the " + c.bus + " design of this model");
    f.fields["after"] = detail::attrs_json(c.attrs);
  }
}

void diff_modules(const Snapshot& s, const Baseline& b, const detail::EvidenceGaps& gaps, Emitter& em,
                  Blind& blind) {
  std::unordered_map<std::string, const PinnedFile*> pinned;
  for (const auto& m : b.modules) pinned.emplace(m.name, &m);
  if (s.modules.empty() && !b.modules.empty() && gaps.partial("modules")) {
    blind.by_host("modules", gaps.why("modules"));
    return;
  }
  for (const auto& m : s.modules) {
    const std::string id = "module:" + m.name;
    auto it = pinned.find(m.name);
    if (it == pinned.end() || m.path.empty()) {
      auto& f = em.emit("module_unknown", Severity::high, id,
                        m.path.empty() ? "loaded module " + m.name + " has no file in lib/modules (modules.dep)"
                                       : "loaded module " + m.name + " is not in the golden module set");
      f.fields["after"] = {{"path", m.path}, {"sha256", m.sha256}};
      f.evidence["sha256"] = m.sha256;
      f.evidence["size"] = m.size;
      continue;
    }
    const PinnedFile& p = *it->second;
    if (p.sha256.empty()) continue;  // golden hosts did not agree on this module's content
    if (gaps.unknown(id, "sha256")) {  // the file is there but could not be read
      blind.by_host("modules", gaps.attribute.at(id + "\nsha256"));
      continue;
    }
    if (p.sha256 == m.sha256 && p.path == m.path) continue;
    auto& f = em.emit("module_changed", Severity::critical, id,
                      "module " + m.name + " (" + m.path + ") differs from the golden file");
    f.fields["before"] = {{"path", p.path}, {"sha256", p.sha256}};
    f.fields["after"] = {{"path", m.path}, {"sha256", m.sha256}};
    f.evidence["sha256_expected"] = p.sha256;
    f.evidence["sha256_found"] = m.sha256;
    f.evidence["size"] = m.size;
  }
}

void diff_firmware(const Snapshot& s, const Baseline& b, const detail::EvidenceGaps& gaps, Emitter& em,
                   Blind& blind) {
  if (s.firmware.empty() && !b.firmware.empty() && gaps.partial("firmware")) {
    blind.by_host("firmware", gaps.why("firmware"));
    return;
  }
  std::unordered_map<std::string, const FirmwareFile*> have;
  for (const auto& f : s.firmware) have.emplace(f.path, &f);
  std::unordered_map<std::string, const PinnedFile*> pinned;
  for (const auto& p : b.firmware) pinned.emplace(p.name, &p);
  auto content = [](const std::string& sha, const std::string& link) -> core::Json {
    if (!link.empty()) return {{"symlink", link}};
    return {{"sha256", sha}};
  };
  for (const auto& p : b.firmware) {
    auto it = have.find(p.name);
    const std::string id = "firmware:" + p.name;
    if (it == have.end()) {
      if (gaps.unknown(id, "sha256")) {
        blind.by_host("firmware", gaps.attribute.at(id + "\nsha256"));
        continue;
      }
      auto& f = em.emit("firmware_changed", Severity::low, id, "firmware file " + p.name + " is missing");
      f.fields["before"] = content(p.sha256, p.symlink);
      f.fields["after"] = nullptr;
      continue;
    }
    const FirmwareFile& fw = *it->second;
    if (p.sha256.empty() && p.symlink.empty()) continue;  // content not agreed by the golden hosts
    if (fw.sha256 == p.sha256 && fw.symlink == p.symlink) continue;
    auto& f = em.emit("firmware_changed", Severity::high, id, "firmware file " + p.name + " differs from the golden file");
    f.fields["before"] = content(p.sha256, p.symlink);
    f.fields["after"] = content(fw.sha256, fw.symlink);
    f.evidence["sha256_expected"] = p.sha256;
    f.evidence["sha256_found"] = fw.sha256;
    f.evidence["size"] = fw.size;
  }
  for (const auto& fw : s.firmware) {
    if (pinned.count(fw.path)) continue;
    auto& f = em.emit("firmware_changed", Severity::medium, "firmware:" + fw.path,
                      "firmware file " + fw.path + " is not in the golden set");
    f.fields["before"] = nullptr;
    f.fields["after"] = content(fw.sha256, fw.symlink);
    f.evidence["size"] = fw.size;
  }
}

core::Json event_json(const PinnedEvent& e) {
  core::Json j = {{"index", e.index}, {"type", e.type}, {"alg", e.alg}, {"digest", e.digest}};
  if (!e.hint.empty()) j["hint"] = e.hint;
  return j;
}

void diff_eventlog(const Snapshot& s, const Baseline& b, const detail::EvidenceGaps& gaps, Emitter& em) {
  if (!b.eventlog) return;
  if (!s.eventlog.present) {
    const auto why = gaps.why("eventlog");
    auto& f = em.emit("evidence_unreadable", Severity::medium, "eventlog",
                      "the golden hosts have a TPM event log, this one does not" + (why.empty() ? "" : " (" + why + ")"));
    f.evidence["why"] = why;
    f.fields["side"] = "host";
    return;
  }
  const auto have = detail::extended_events(s.eventlog);
  std::set<std::uint32_t> unpinned(b.unpinned_pcrs.begin(), b.unpinned_pcrs.end());
  std::set<std::uint32_t> pcrs;
  for (const auto& kv : b.pcr_events) pcrs.insert(kv.first);
  for (const auto& kv : have)
    if (!unpinned.count(kv.first)) pcrs.insert(kv.first);
  static const std::vector<PinnedEvent> none;
  for (auto pcr : pcrs) {
    auto g = b.pcr_events.find(pcr);
    auto h = have.find(pcr);
    const auto& want = g == b.pcr_events.end() ? none : g->second;
    const auto& got = h == have.end() ? none : h->second;
    std::size_t i = 0;
    while (i < want.size() && i < got.size() && detail::same_event(want[i], got[i])) ++i;
    if (i == want.size() && i == got.size()) continue;
    const std::string id = "pcr:" + std::to_string(pcr);
    std::string what;
    if (i < want.size() && i < got.size())
      what = "event " + std::to_string(got[i].index) + " (" + got[i].type + ") differs from the golden " +
             want[i].type;
    else if (i < got.size())
      what = "extra event " + std::to_string(got[i].index) + " (" + got[i].type + ")";
    else
      what = "golden event " + std::to_string(want[i].index) + " (" + want[i].type + ") is missing";
    auto& f = em.emit("eventlog_changed", Severity::high, id, "PCR " + std::to_string(pcr) + ": " + what);
    f.fields["before"] = i < want.size() ? event_json(want[i]) : core::Json(nullptr);
    f.fields["after"] = i < got.size() ? event_json(got[i]) : core::Json(nullptr);
    f.evidence["events_expected"] = want.size();
    f.evidence["events_found"] = got.size();
    f.evidence["first_difference"] = i;
  }
}

}  // namespace

namespace {

// The recorded events as the parser's event model, so verification replays them with the very
// replay() collection used (one replay: go-attestation's parse -> replayPCR -> verify). A bank
// whose recorded digest is not valid hex of the algorithm's size is left out, not guessed at.
EventLog log_of(const EventLogEvidence& ev) {
  EventLog log;
  log.startup_locality = std::uint8_t(ev.startup_locality);
  std::set<std::uint16_t> bad;
  for (const auto& name : ev.algorithms) {
    auto alg = alg_from_name(name);
    auto size = alg ? alg_size(*alg) : std::nullopt;
    if (alg && size) log.algorithms.push_back({*alg, std::uint16_t(*size)});
  }
  for (const auto& m : ev.events) {
    TcgEvent e;
    e.pcr = m.pcr;
    // A type the recorder could not name stays unknown: never EV_NO_ACTION, so it is extended.
    e.type = event_type_from_name(m.type).value_or(0xFFFFFFFFu);
    for (const auto& [name, hex] : m.digests) {
      auto alg = alg_from_name(name);
      if (!alg) continue;
      auto raw = from_hex(hex);
      auto size = alg_size(*alg);
      if (!raw || !size || raw->size() != *size) {
        bad.insert(*alg);
        continue;
      }
      e.digests.push_back({*alg, std::move(*raw)});
    }
    if (e.type == kEvEfiHcrtmEvent && e.pcr == 0) log.hcrtm = true;
    log.events.push_back(std::move(e));
  }
  std::erase_if(log.algorithms, [&](const EventLog::AlgSize& a) { return bad.count(a.alg) > 0; });
  return log;
}

}  // namespace

std::vector<Finding> check_replay(const Snapshot& s) {
  const auto& ev = s.eventlog;
  if (!ev.present || ev.tpm_pcrs.empty()) return {};
  VerifyContext ctx;
  Emitter em(s, s.host.model, ctx);
  for (const auto& [alg, bank] : replay(log_of(ev))) {
    const std::string alg_text = alg_name(alg);
    auto tpm = ev.tpm_pcrs.find(alg_text);
    if (tpm == ev.tpm_pcrs.end()) continue;
    const auto& tpm_bank = tpm->second;
    // Only PCRs the log measured: PCR 10 (IMA) and the debug/locality PCRs are extended
    // by others and are not expected to match the firmware log.
    for (const auto& [pcr, value] : bank) {
      auto t = tpm_bank.find(pcr);
      if (t == tpm_bank.end()) continue;
      const std::string replayed = to_hex(value);
      if (replayed == t->second) continue;
      auto& f = em.emit("eventlog_replay_mismatch", Severity::high, "pcr:" + std::to_string(pcr),
                        "PCR " + std::to_string(pcr) + " (" + alg_text +
                            ") in the TPM does not match the replayed event log: the log was altered or "
                            "measurements are missing from it");
      f.fields["before"] = {{"alg", alg_text}, {"replayed", replayed}};
      f.fields["after"] = {{"alg", alg_text}, {"tpm", t->second}};
      f.evidence["replayed"] = replayed;
      f.evidence["tpm"] = t->second;
    }
  }
  return em.take();
}

std::vector<Finding> verify_snapshot(const Snapshot& s, const Baseline& b, const VerifyContext& ctx) {
  Emitter em(s, s.host.model, ctx);
  if (s.host.model != b.model) {
    auto& f = em.emit("model_mismatch", Severity::high, "model",
                      "model \"" + s.host.model + "\" is not the baseline's \"" + b.model + "\"");
    f.fields["before"] = {{"model", b.model}};
    f.fields["after"] = {{"model", s.host.model}};
    return em.take();
  }
  const auto gaps = detail::gaps_of(s);
  Blind blind;
  diff_components(s, b, gaps, em, blind);
  diff_modules(s, b, gaps, em, blind);
  diff_firmware(s, b, gaps, em, blind);
  diff_eventlog(s, b, gaps, em);
  for (const auto& [cat, why] : blind.host) {
    auto& f = em.emit("evidence_unreadable", Severity::low, cat,
                      "incomplete " + cat + " evidence, compared only what both sides could read: " + why);
    f.evidence["why"] = why;
    f.fields["side"] = "host";
  }
  for (const auto& [cat, why] : blind.baseline) {
    auto& f = em.emit("evidence_unreadable", Severity::info, cat,
                      "the golden hosts could read " + cat +
                          " only in part: what they could not see on this host is not judged");
    f.fields["side"] = "baseline";
  }
  auto out = em.take();
  for (auto& f : detail::check_runtime(s, b)) out.push_back(std::move(f));  // IMA policy, quote_missing
  for (auto& f : check_replay(s)) {
    if (!ctx.baseline_label.empty()) f.evidence["baseline"] = ctx.baseline_label;
    out.push_back(std::move(f));
  }
  return out;
}

void Verifier::add_baseline(Baseline b, VerifyContext ctx) { baselines_.emplace_back(std::move(b), std::move(ctx)); }

std::vector<Finding> Verifier::verify(const Snapshot& s) const {
  for (const auto& [b, ctx] : baselines_)
    if (b.model == s.host.model) return verify_snapshot(s, b, ctx);
  if (baselines_.size() == 1) return verify_snapshot(s, baselines_.front().first, baselines_.front().second);
  VerifyContext none;
  Emitter em(s, s.host.model, none);
  std::string models;
  for (const auto& [b, ctx] : baselines_) models += (models.empty() ? "\"" : ", \"") + b.model + "\"";
  auto& f = em.emit("model_mismatch", Severity::high, "model",
                    "no baseline for model \"" + s.host.model + "\" (have " + models + ")");
  f.fields["after"] = {{"model", s.host.model}};
  return em.take();
}

std::vector<Finding> verify_consensus(const std::vector<Snapshot>& snaps) {
  std::map<std::string, std::vector<const Snapshot*>> groups;
  for (const auto& s : snaps) groups[s.host.model].push_back(&s);
  std::vector<Finding> out;
  for (const auto& [model, members] : groups) {
    BaselineOptions o;
    o.strict_majority = true;
    o.created_at = "1970-01-01T00:00:00.000000Z";
    const Baseline b = create_baseline(members, o);
    VerifyContext ctx{"consensus of " + std::to_string(members.size()) + " hosts of this model", ""};
    for (const auto* s : members) {
      auto fs = verify_snapshot(*s, b, ctx);
      for (auto& f : fs) {
        f.evidence["group_size"] = members.size();
        out.push_back(std::move(f));
      }
    }
  }
  return out;
}

}  // namespace sg::attest
