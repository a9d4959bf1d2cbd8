// render_report_html: the self-contained report `supplyguard fleet report -o report.html` writes.
// One file, inline CSS and SVG, no script and no external asset, so it can be mailed, archived
// or opened offline; output depends only on the view (no clock), so two runs diff cleanly.
#include <map>

#include "supplyguard/fleet/fleet.hpp"
#include "web/chart.hpp"
#include "web/escape.hpp"
#include "web/fragments.hpp"
#include "web/style.hpp"
#include "web/view_index.hpp"

namespace sg::fleet {

std::string render_report_html(const FleetView& view) {
  const web::ViewIndex index(view);
  // Anchors are numbered, never built from the host name: nothing from data lands in an id.
  std::map<std::string, std::size_t, std::less<>> anchor;
  for (std::size_t i = 0; i < index.hosts().size(); ++i) anchor.emplace(index.hosts()[i], i);
  const web::HostHref href = [&anchor](const std::string& host) {
    auto it = anchor.find(host);
    return it == anchor.end() ? std::string("#") : "#host-" + std::to_string(it->second);
  };

  std::string out;
  out.reserve(4096 + view.findings.size() * 600);
  out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         // No script runs in the report; the CSP says so to any browser that opens it.
         "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>supplyguard fleet report</title>\n<style>";
  out += web::stylesheet();
  out += "</style>\n</head>\n<body>\n<header>\n<h1>supplyguard fleet report</h1>\n";

  std::optional<core::Micros> latest;
  for (const auto& sf : view.findings)
    for (auto t : {sf.finding.first_seen, sf.finding.last_seen})
      if (t && (!latest || *t > *latest)) latest = t;
  out += "<p class=\"meta\">" + std::to_string(index.hosts().size()) + " hosts, " +
         std::to_string(view.findings.size()) + " findings" +
         (latest ? ", latest evidence " + web::short_time(latest) : std::string()) + "</p>\n";
  out += web::verdict_counts(index);
  out += "</header>\n<main>\n";

  out += "<section id=\"verdicts\">\n<h2>Verdicts</h2>\n";
  out += web::verdict_table(index, href, "verdict-table");
  out += "</section>\n";

  out += "<section id=\"correlations-section\">\n<h2>Correlations</h2>\n";
  out += web::correlations_table(index, href);
  out += "</section>\n";

  out += "<section id=\"timeline\">\n<h2>Findings over time</h2>\n";
  out += web::render_timeline_svg(view.findings);
  out += "</section>\n";

  out += "<section id=\"hosts\">\n<h2>Hosts</h2>\n";
  for (std::size_t i = 0; i < index.hosts().size(); ++i) {
    const auto& host = index.hosts()[i];
    const HostVerdict* v = index.verdict(host);
    const HostInfo* info = index.info(host);
    out += "<section class=\"host\" id=\"host-" + std::to_string(i) + "\">\n<h3>";
    web::append_html(out, host);
    out += " ";
    out += v ? web::verdict_badge(v->verdict) : std::string("<span class=\"note\">no verdict</span>");
    out += "</h3>\n<p class=\"meta\">";
    const std::string model = v && !v->model.empty() ? v->model : info ? info->model : "";
    const std::string batch = v && !v->batch.empty() ? v->batch : info ? info->batch : "";
    out += "model " + (model.empty() ? std::string("unknown") : web::html(model));
    out += ", batch " + (batch.empty() ? std::string("unknown") : web::html(batch));
    if (info && !info->addresses.empty()) {
      out += ", addresses ";
      for (std::size_t k = 0; k < info->addresses.size(); ++k) {
        if (k) out += ", ";
        out += "<code>" + web::html(info->addresses[k]) + "</code>";
      }
    }
    out += "</p>\n";
    if (v && !v->why.empty()) out += "<p>" + web::html(v->why) + "</p>\n";
    out += web::findings_table(index.findings_of(host));
    out += "</section>\n";
  }
  out += "</section>\n</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace sg::fleet
