#include "web/api.hpp"

#include <charconv>
#include <set>

namespace sg::fleet::web {
namespace {

constexpr std::size_t kMaxLimit = 100000;

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

ApiResponse api_hosts(const ViewIndex& index) {
  core::Json list = core::Json::array();
  for (const auto& host : index.hosts()) list.push_back(host_json(index, host));
  core::Json j = core::Json::object();
  j["count"] = list.size();
  j["hosts"] = std::move(list);
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

ApiResponse api_findings(const ViewIndex& index, const Params& params) {
  static const std::set<std::string> kKnown = {"host", "plane", "type", "model", "min_severity", "limit", "token"};
  FindingFilter filter;
  for (const auto& [name, value] : params) {
    if (!kKnown.count(name)) return api_error(400, "unknown parameter \"" + name + "\"");
    if (params.count(name) > 1) return api_error(400, "parameter \"" + name + "\" given more than once");
    if (name == "host") filter.host = value;
    else if (name == "type") filter.type = value;
    else if (name == "model") filter.model = value;
    else if (name == "plane") {
      if (!core::parse_plane(value)) return api_error(400, "plane must be attest, hunt, inspect or fleet");
      filter.plane = value;
    } else if (name == "min_severity") {
      filter.min_severity = core::parse_severity(value);
      if (!filter.min_severity) return api_error(400, "min_severity must be info, low, medium, high or critical");
    } else if (name == "limit") {
      std::size_t n = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (value.empty() || ec != std::errc{} || ptr != value.data() + value.size() || n > kMaxLimit)
        return api_error(400, "limit must be a number 0.." + std::to_string(kMaxLimit));
      filter.limit = n;
    }
  }
  // parse_plane is case-insensitive; the stored plane name is lower case.
  if (filter.plane) filter.plane = std::string(core::to_string(*core::parse_plane(*filter.plane)));
  const auto found = filter_findings(index.view(), filter);
  core::Json list = core::Json::array();
  for (const auto& sf : found) list.push_back(finding_json(sf));
  core::Json j = core::Json::object();
  j["count"] = list.size();
  j["limit"] = filter.limit;
  j["findings"] = std::move(list);
  return {200, dump(j)};
}

}  // namespace sg::fleet::web
