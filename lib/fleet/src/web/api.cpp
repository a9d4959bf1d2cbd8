#include "web/api.hpp"

#include <algorithm>
#include <charconv>
#include <set>

namespace sg::fleet::web {
namespace {

constexpr std::size_t kMaxLimit = 100000;
constexpr std::size_t kDefaultHosts = 500, kMaxHosts = 2000, kMaxStorePage = 1000;

bool parse_count(const std::string& value, std::size_t max, std::size_t& out) {
  std::size_t n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc{} || ptr != value.data() + value.size() || n > max) return false;
  out = n;
  return true;
}

core::Json host_json(const ViewIndex& index, const std::string& host) {
  const HostVerdict* v = index.verdict(host);
  const HostInfo* info = index.info(host);
  core::Json j = core::Json::object();
  j["host"] = host;
  j["model"] = v && !v->model.empty() ? v->model : info ? info->model : "";
  j["batch"] = v && !v->batch.empty() ? v->batch : info ? info->batch : "";
  j["verdict"] = v ? core::Json(std::string(to_string(v->verdict))) : core::Json(nullptr);
  j["worst"] = v && v->worst ? core::Json(std::string(core::to_string(*v->worst))) : core::Json(nullptr);
  j["findings"] = v ? v->findings : index.findings_of(host).size();
  j["why"] = v ? v->why : "";
  j["reasons"] = v ? core::Json(v->reasons) : core::Json::array();
  j["addresses"] = info ? core::Json(info->addresses) : core::Json::array();
  return j;
}

}  // namespace

std::string dump(const core::Json& j) { return j.dump(-1, ' ', false, core::Json::error_handler_t::replace); }

core::Json finding_json(const StoredFinding& sf) {
  core::Json j = core::to_json(sf.finding);
  j["id"] = sf.id;
  j["host"] = sf.host;  // the host ingest attributed it to, which the dashboard links by
  return j;
}

ApiResponse api_error(int status, const std::string& message) {
  core::Json j = core::Json::object();
  j["error"] = message;
  return {status, dump(j)};
}

ApiResponse api_hosts(const ViewIndex& index, const Params& params) {
  std::size_t limit = kDefaultHosts, begin = 0;
  for (const auto& [name, value] : params) {
    if (name != "limit" && name != "after" && name != "token")
      return api_error(400, "unknown parameter \"" + name + "\"");
    if (params.count(name) > 1) return api_error(400, "parameter \"" + name + "\" given more than once");
    if (name == "limit" && !parse_count(value, kMaxHosts, limit))
      return api_error(400, "limit must be a number 0.." + std::to_string(kMaxHosts));
    if (name == "after") {
      begin = index.position(value);
      if (begin == index.hosts().size()) return api_error(400, "after names an unknown host");
      ++begin;
    }
  }
  const auto& hosts = index.hosts();
  const std::size_t end = std::min(hosts.size(), begin + limit);
  core::Json list = core::Json::array();
  for (std::size_t i = begin; i < end; ++i) list.push_back(host_json(index, hosts[i]));
  core::Json j = core::Json::object();
  j["count"] = list.size();
  j["total"] = hosts.size();
  j["hosts"] = std::move(list);
  if (end < hosts.size() && end > begin) j["next_after"] = hosts[end - 1];
  return {200, dump(j)};
}

ApiResponse api_host(const ViewIndex& index, const std::string& host) {
  if (!index.known(host)) return api_error(404, "unknown host");
  core::Json j = host_json(index, host);
  core::Json list = core::Json::array();
  for (const auto* sf : index.findings_of(host)) list.push_back(finding_json(*sf));
  j["finding_list"] = std::move(list);
  return {200, dump(j)};
}

ApiResponse api_correlations(const ViewIndex& index) {
  core::Json list = core::Json::array();
  for (const auto& f : index.view().correlations) {
    core::Json c = core::to_json(f);
    c["hosts"] = correlation_hosts(f);
    list.push_back(std::move(c));
  }
  core::Json j = core::Json::object();
  j["count"] = list.size();
  j["correlations"] = std::move(list);
  return {200, dump(j)};
}

ApiResponse api_findings(const ViewIndex& index, const Params& params, const FindFn* find) {
  static const std::set<std::string> kKnown = {"host", "plane", "type", "model", "min_severity", "limit", "after", "token"};
  FindingFilter filter;
  for (const auto& [name, value] : params) {
    if (!kKnown.count(name)) return api_error(400, "unknown parameter \"" + name + "\"");
    if (params.count(name) > 1) return api_error(400, "parameter \"" + name + "\" given more than once");
    if (name == "host") filter.host = value;
    else if (name == "after") filter.after = value;
    else if (name == "type") filter.type = value;
    else if (name == "model") filter.model = value;
    else if (name == "plane") {
      if (!core::parse_plane(value)) return api_error(400, "plane must be attest, hunt, inspect or fleet");
      filter.plane = value;
    } else if (name == "min_severity") {
      filter.min_severity = core::parse_severity(value);
      if (!filter.min_severity) return api_error(400, "min_severity must be info, low, medium, high or critical");
    } else if (name == "limit") {
      if (!parse_count(value, kMaxLimit, filter.limit))
        return api_error(400, "limit must be a number 0.." + std::to_string(kMaxLimit));
    }
  }
  // parse_plane is case-insensitive; the stored plane name is lower case.
  if (filter.plane) filter.plane = std::string(core::to_string(*core::parse_plane(*filter.plane)));
  core::Json list = core::Json::array();
  std::string next;
  if (find && *find) {
    // From a store a page stays small whatever the caller asks (the rest by ?after=).
    filter.limit = std::min(filter.limit, kMaxStorePage);
    const auto model_of = [&index](const std::string& host) { return std::string(index.model_of(host)); };
    const FindingPage page = (*find)(filter, model_of);
    for (const auto& sf : page.findings) list.push_back(finding_json(sf));
    next = page.next_after;
    // The overview holds the correlations: they follow the stored findings' last page.
    if (next.empty() && list.size() < filter.limit) {
      FindingFilter rest = filter;
      rest.limit = filter.limit - list.size();
      rest.after.clear();
      for (const auto& sf : filter_findings(index.view(), rest)) list.push_back(finding_json(sf));
    }
  } else {
    const auto found = filter_findings(index.view(), filter);
    for (const auto& sf : found) list.push_back(finding_json(sf));
    if (!found.empty() && found.size() == filter.limit) next = found.back().id;
  }
  core::Json j = core::Json::object();
  j["count"] = list.size();
  j["limit"] = filter.limit;
  j["findings"] = std::move(list);
  if (!next.empty()) j["next_after"] = next;
  return {200, dump(j)};
}

}  // namespace sg::fleet::web
