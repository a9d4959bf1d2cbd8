#pragma once
// The dashboard's JSON API, as pure functions of a view (the server only routes and checks the
// token), so tests can call them without a socket.
#include <functional>
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

// ?limit= (default 500, at most 2000: a page stays under a megabyte) and ?after=HOST (the last
// host of the previous page); "next_after" names the cursor while there are more.
ApiResponse api_hosts(const ViewIndex& index, const std::multimap<std::string, std::string>& params = {});
ApiResponse api_host(const ViewIndex& index, const std::string& host);  // 404 when unknown
ApiResponse api_correlations(const ViewIndex& index);
// Query parameters as received (a name given twice is an error: "which one did you mean?").
using Params = std::multimap<std::string, std::string>;
// With `find` (a store at scale), findings come from the store page by page (?after=ID) and the
// view supplies only the correlations; without, from the view.
using FindFn = std::function<FindingPage(const FindingFilter&, const std::function<std::string(const std::string&)>&)>;
ApiResponse api_findings(const ViewIndex& index, const Params& params, const FindFn* find = nullptr);
ApiResponse api_error(int status, const std::string& message);

// JSON text that survives any bytes in a finding: invalid UTF-8 becomes U+FFFD, never an exception.
std::string dump(const core::Json& j);
core::Json finding_json(const StoredFinding& sf);

}  // namespace sg::fleet::web
