#pragma once
// The dashboard's JSON API, as pure functions of a view (the server only routes and checks the
// token), so tests can call them without a socket.
#include <map>
#include <optional>
#include <string>

#include "supplyguard/core/finding.hpp"
#include "web/view_index.hpp"

namespace sg::fleet::web {

struct ApiResponse {
  int status = 200;
  std::string body;  // JSON text
};

ApiResponse api_hosts(const ViewIndex& index);
ApiResponse api_host(const ViewIndex& index, const std::string& host);  // 404 when unknown
ApiResponse api_correlations(const ViewIndex& index);
// Query parameters as received (a name given twice is an error: "which one did you mean?").
using Params = std::multimap<std::string, std::string>;
ApiResponse api_findings(const ViewIndex& index, const Params& params);
ApiResponse api_error(int status, const std::string& message);

// JSON text that survives any bytes in a finding: invalid UTF-8 becomes U+FFFD, never an exception.
std::string dump(const core::Json& j);
core::Json finding_json(const StoredFinding& sf);

}  // namespace sg::fleet::web
