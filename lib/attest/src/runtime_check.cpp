// Runtime integrity (IMA) against the golden hosts' runtime policy, as Keylime's allowlist does:
// a measured path whose digest the golden hosts never had is a changed file; a path they never
// measured is unknown. Which entries the TPM vouches for is check_quote's business (PCR 10).
#include <algorithm>
#include <cstring>

#include "runtime_policy.hpp"

namespace sg::attest::detail {
namespace {

bool is_kernel_module(const std::string& path) {
  for (const char* ext : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"})
    if (path.size() > std::strlen(ext) && path.compare(path.size() - std::strlen(ext), std::string::npos, ext) == 0) return true;
  return path.find("/lib/modules/") != std::string::npos;
}

std::string digest_text(const ImaEntry& e) { return e.file_alg + ":" + to_hex(e.file_digest); }

// Entries judged by content: not violations (no digest), not boot_aggregate (the boot chain is
// judged by the event log against the quoted PCRs).
bool judged(const ImaEntry& e) { return !e.violation() && e.path != "boot_aggregate" && e.pcr == kImaPcr; }

}  // namespace

void add_runtime_policy(const Snapshot& s, Baseline& b) {
  if (!s.ima.present) return;
  for (const auto& e : s.ima.list.entries) {
    if (!judged(e)) continue;
    auto& v = b.runtime_policy[e.path];
    const auto d = digest_text(e);
    if (std::find(v.begin(), v.end(), d) == v.end()) v.insert(std::upper_bound(v.begin(), v.end(), d), d);
  }
}

void runtime_policy_to_json(const Baseline& b, Json& j) {
  if (b.quote_required) j["quote_required"] = true;
  if (b.runtime_policy.empty()) return;
  Json p = Json::object();
  for (const auto& [path, digests] : b.runtime_policy) p[path] = digests;
  j["runtime_policy"] = std::move(p);
}

std::vector<core::Finding> check_runtime(const Snapshot& s, const Baseline& b) {
  std::vector<core::Finding> out;
  auto emit = [&](std::string type, core::Severity sev, const std::string& subject, const std::string& summary) -> core::Finding& {
    core::Finding f;
    f.plane = core::Plane::attest;
    f.type = std::move(type);
    f.severity = sev;
    f.score = sev == core::Severity::critical ? 0.95 : sev == core::Severity::high ? 0.8 : 0.6;
    f.host = s.host.hostname;
    f.subject = subject;
    f.summary = s.host.hostname + ": " + summary;
    if (auto t = core::parse_iso8601(s.collected_at)) f.first_seen = f.last_seen = *t;
    f.fields["model"] = b.model;
    f.fields["component"] = subject;
    out.push_back(std::move(f));
    return out.back();
  };
  if (b.quote_required && !s.quote)
    emit("quote_missing", core::Severity::high, "quote", "no TPM quote in the snapshot, though this model's golden hosts were quoted");
  if (b.runtime_policy.empty() || !s.ima.present) return out;
  std::set<std::string> reported;
  for (std::size_t i = 0; i < s.ima.list.entries.size(); ++i) {
    const auto& e = s.ima.list.entries[i];
    if (!judged(e) || reported.count(e.path)) continue;
    const auto d = digest_text(e);
    auto it = b.runtime_policy.find(e.path);
    if (it != b.runtime_policy.end() && std::binary_search(it->second.begin(), it->second.end(), d)) continue;
    reported.insert(e.path);
    const std::string subject = "file:" + e.path;
    if (it != b.runtime_policy.end()) {
      const bool module = is_kernel_module(e.path);
      auto& f = emit("runtime_file_changed", module ? core::Severity::critical : core::Severity::high, subject,
                     std::string(module ? "kernel module " : "file ") + e.path + " was loaded/run with a digest no golden host has");
      f.fields["before"] = {{"path", e.path}, {"digests", it->second}};
      f.fields["after"] = {{"path", e.path}, {"digest", d}};
      f.evidence["digest_found"] = d;
      f.evidence["ima_entry"] = i;  // position in the list (0 = first)
    } else {
      auto& f = emit("runtime_file_unknown", core::Severity::medium, subject,
                     "file " + e.path + " was measured by IMA but never on the golden hosts");
      f.fields["after"] = {{"path", e.path}, {"digest", d}};
      f.evidence["digest_found"] = d;
      f.evidence["ima_entry"] = i;  // position in the list (0 = first)
    }
  }
  return out;
}

}  // namespace sg::attest::detail
