#include "web/pages.hpp"

#include <algorithm>

#include "web/chart.hpp"
#include "web/escape.hpp"
#include "web/fragments.hpp"

namespace sg::fleet::web {
namespace {

std::string head(std::string_view title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         html(title) +
         "</title>\n<link rel=\"stylesheet\" href=\"/static/app.css\">\n"
         "<script src=\"/static/app.js\" defer></script>\n</head>\n<body>\n";
}

const HostHref kHostHref = [](const std::string& host) { return "/host/" + path_segment(host); };

}  // namespace

std::string dashboard_page(const ViewIndex& index, std::size_t begin, std::size_t count) {
  const std::size_t n = index.hosts().size();
  begin = std::min(begin, n);
  const std::size_t end = count >= n - begin ? n : begin + count;
  std::string out = head("supplyguard fleet");
  out += "<header>\n<h1>supplyguard fleet</h1>\n";
  out += verdict_counts(index);
  out += "</header>\n<main>\n<section id=\"hosts-section\">\n<h2>Hosts</h2>\n"
         "<input class=\"filter\" id=\"host-filter\" type=\"search\" placeholder=\"filter hosts: name, model, "
         "verdict, reason\" aria-label=\"filter hosts\" data-table=\"hosts\" data-status=\"host-filter-status\">\n"
         "<span class=\"note\" id=\"host-filter-status\"></span>\n";
  if (begin > 0 || end < n)
    out += "<p class=\"note\" id=\"host-page\">hosts " + std::to_string(begin + 1) + "&ndash;" + std::to_string(end) +
           " of " + std::to_string(n) + ", worst first</p>\n";
  out += verdict_table(index, kHostHref, "hosts", begin, end);
  if (end < n)
    out += "<p><a id=\"next-page\" href=\"/?after=" + html(path_segment(index.hosts()[end - 1])) + "\">next " +
           std::to_string(std::min(end - begin, n - end)) + " hosts</a></p>\n";
  out += "</section>\n<section id=\"correlations-section\">\n<h2>Correlations</h2>\n";
  out += correlations_table(index, kHostHref);
  out += "</section>\n<section id=\"timeline\">\n<h2>Findings over time</h2>\n";
  const auto& view = index.view();
  if (view.stored_findings) {
    std::size_t dated = 0;
    for (const auto& t : view.timeline) dated += t.count;
    out += render_timeline_svg(view.timeline, *view.stored_findings > dated ? *view.stored_findings - dated : 0);
  } else {
    out += render_timeline_svg(view.findings);
  }
  out += "</section>\n<p class=\"note\">JSON: <a href=\"/api/hosts\">/api/hosts</a>, "
         "<a href=\"/api/findings?limit=100\">/api/findings</a>, "
         "<a href=\"/api/correlations\">/api/correlations</a></p>\n</main>\n</body>\n</html>\n";
  return out;
}

std::string host_page(const ViewIndex& index, const std::string& host, std::optional<std::size_t> total) {
  const HostVerdict* v = index.verdict(host);
  const HostInfo* info = index.info(host);
  std::string out = head(host + " - supplyguard fleet");
  out += "<p><a href=\"/\">&larr; all hosts</a></p>\n<header>\n<h1 id=\"host-name\">";
  append_html(out, host);
  out += "</h1>\n<p id=\"host-verdict\">";
  out += v ? verdict_badge(v->verdict) + " worst " + severity_badge(v->worst)
           : std::string("<span class=\"note\">no verdict</span>");
  out += "</p>\n<p class=\"meta\">";
  const std::string model = v && !v->model.empty() ? v->model : info ? info->model : "";
  const std::string batch = v && !v->batch.empty() ? v->batch : info ? info->batch : "";
  out += "model " + (model.empty() ? std::string("unknown") : html(model));
  out += ", batch " + (batch.empty() ? std::string("unknown") : html(batch));
  if (info && !info->addresses.empty()) {
    out += ", addresses ";
    for (std::size_t k = 0; k < info->addresses.size(); ++k)
      out += (k ? ", <code>" : "<code>") + html(info->addresses[k]) + "</code>";
  }
  out += "</p>\n";
  if (v && !v->why.empty()) out += "<p id=\"host-why\">" + html(v->why) + "</p>\n";
  if (v && !v->reasons.empty()) {
    out += "<p class=\"meta\">reasons:";
    for (const auto r : v->reasons) out += " <code>" + html(r) + "</code>";
    out += "</p>\n";
  }
  const auto& findings = index.findings_of(host);
  out += "</header>\n<main>\n<h2>Findings (" + std::to_string(total ? std::max(*total, findings.size()) : findings.size()) +
         ")</h2>\n";
  if (total && *total > findings.size())
    out += "<p class=\"note\" id=\"findings-cut\">the " + std::to_string(findings.size()) +
           " most severe shown; all of them page by page at /api/findings?host=</p>\n";
  if (!findings.empty())
    out += "<input class=\"filter\" id=\"finding-filter\" type=\"search\" placeholder=\"filter findings\" "
           "aria-label=\"filter findings\" data-table=\"findings\" data-status=\"finding-filter-status\">\n"
           "<span class=\"note\" id=\"finding-filter-status\"></span>\n";
  std::string table = findings_table(findings);
  // findings_table is shared with the report; here it gets the id the filter box points at.
  if (const auto at = table.find("<table class=\"findings\">"); at != std::string::npos)
    table.replace(at, 24, "<table class=\"findings\" id=\"findings\">");
  out += table;
  out += "<p class=\"note\">JSON: <a href=\"/api/hosts/" + html(path_segment(host)) + "\">/api/hosts/";
  append_html(out, path_segment(host));
  out += "</a></p>\n</main>\n</body>\n</html>\n";
  return out;
}

std::string message_page(std::string_view title, std::string_view message) {
  return head(title) + "<h1>" + html(title) + "</h1>\n<p>" + html(message) +
         "</p>\n<p><a href=\"/\">all hosts</a></p>\n</body>\n</html>\n";
}

std::string_view app_js() {
  return R"js('use strict';
// supplyguard dashboard: filter boxes over server-rendered tables. Reads textContent and toggles
// a class; it never writes markup, so nothing from a finding can become an element.
document.addEventListener('DOMContentLoaded', () => {
  for (const input of document.querySelectorAll('input.filter')) {
    const table = document.getElementById(input.dataset.table);
    if (!table || !table.tBodies.length) continue;
    const rows = Array.from(table.tBodies[0].rows);
    const status = document.getElementById(input.dataset.status);
    const apply = () => {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      let shown = 0;
      for (const row of rows) {
        const text = row.textContent.toLowerCase();
        const hit = words.every((w) => text.includes(w));
        row.classList.toggle('hidden', !hit);
        if (hit) shown++;
      }
      if (status) status.textContent = shown + ' of ' + rows.length + ' shown';
    };
    input.addEventListener('input', apply);
    apply();
  }
});
)js";
}

}  // namespace sg::fleet::web
