#pragma once
// HTML pieces shared by the static report and the dashboard pages, so both show a host, a
// verdict or a finding the same way. Every data string goes through web::html().
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "supplyguard/fleet/fleet.hpp"
#include "web/view_index.hpp"

namespace sg::fleet::web {

// Where a host name links to: "#host-3" in the report, "/host/<encoded>" on the dashboard.
// The result is placed into href="..." after html() escaping.
using HostHref = std::function<std::string(const std::string& host)>;

std::string verdict_badge(Verdict v);
std::string severity_badge(std::optional<core::Severity> s);
// "2026-11-22T18:34:30Z" (seconds are enough on a page), or "" when absent.
std::string short_time(std::optional<core::Micros> t);

// <ul class="counts">: hosts per verdict and the number of findings.
std::string verdict_counts(const ViewIndex& index);
// Verdict table: host, model, batch, verdict, worst severity, #findings, why.
// Rows [begin, end) of index.hosts() (the dashboard pages through a large fleet).
std::string verdict_table(const ViewIndex& index, const HostHref& href, const char* table_id, std::size_t begin = 0,
                          std::size_t end = SIZE_MAX);
// Findings table: plane, type, severity, score, subject, summary, first/last seen, id.
std::string findings_table(const std::vector<const StoredFinding*>& findings);
// Correlation findings with the hosts they name (links where the host is known).
std::string correlations_table(const ViewIndex& index, const HostHref& href);

}  // namespace sg::fleet::web
