#include "web/fragments.hpp"

#include <algorithm>
#include <cstdio>

#include "web/escape.hpp"

namespace sg::fleet::web {
namespace {

std::string score_text(double s) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.3f", s != s ? 0.0 : s < 0 ? 0.0 : s > 1 ? 1.0 : s);
  return buf;
}

std::string cell(std::string_view text, const char* cls = nullptr) {
  std::string out = cls ? std::string("<td class=\"") + cls + "\">" : std::string("<td>");
  append_html(out, text);
  return out + "</td>";
}

std::string host_link(const std::string& host, const HostHref& href) {
  std::string out = "<a href=\"" + html(href(host)) + "\">";
  append_html(out, host);
  return out + "</a>";
}

}  // namespace

std::string verdict_badge(Verdict v) {
  const std::string name(to_string(v));
  return "<span class=\"verdict verdict-" + name + "\">" + name + "</span>";
}

std::string severity_badge(std::optional<core::Severity> s) {
  if (!s) return "<span class=\"note\">none</span>";
  const std::string name(core::to_string(*s));
  return "<span class=\"sev sev-" + name + "\">" + name + "</span>";
}

std::string short_time(std::optional<core::Micros> t) {
  if (!t) return {};
  const std::string iso = core::format_iso8601(*t);
  return iso.substr(0, 19) + "Z";
}

std::string verdict_counts(const ViewIndex& index) {
  std::size_t n[3] = {0, 0, 0};
  for (const auto& v : index.view().verdicts) n[static_cast<int>(v.verdict)]++;
  std::string out = "<ul class=\"counts\">\n";
  for (const Verdict v : {Verdict::compromised, Verdict::suspect, Verdict::clean})
    out += "<li id=\"count-" + std::string(to_string(v)) + "\"><b>" + std::to_string(n[static_cast<int>(v)]) +
           "</b>" + verdict_badge(v) + "</li>\n";
  out += "<li id=\"count-hosts\"><b>" + std::to_string(index.hosts().size()) + "</b>hosts</li>\n";
  // An overview holds only the correlations; it says how many findings the store holds.
  const auto& view = index.view();
  const std::size_t findings =
      view.stored_findings ? *view.stored_findings + view.correlations.size() : view.findings.size();
  out += "<li id=\"count-findings\"><b>" + std::to_string(findings) + "</b>findings</li>\n";
  out += "<li id=\"count-correlations\"><b>" + std::to_string(index.view().correlations.size()) +
         "</b>correlations</li>\n</ul>\n";
  return out;
}

std::string verdict_table(const ViewIndex& index, const HostHref& href, const char* table_id, std::size_t begin,
                          std::size_t end) {
  std::string out = std::string("<table id=\"") + table_id +
                    "\">\n<thead><tr><th>host</th><th>model</th><th>batch</th><th>verdict</th><th>worst</th>"
                    "<th class=\"num\">findings</th><th>why</th></tr></thead>\n<tbody>\n";
  end = std::min(end, index.hosts().size());
  for (std::size_t row = begin; row < end; ++row) {
    const std::string& host = index.hosts()[row];
    const HostVerdict* v = index.verdict(host);
    const HostInfo* info = index.info(host);
    out += "<tr><td>" + host_link(host, href) + "</td>";
    out += cell(v && !v->model.empty() ? v->model : info ? info->model : "");
    out += cell(v && !v->batch.empty() ? v->batch : info ? info->batch : "");
    if (v) {
      out += "<td>" + verdict_badge(v->verdict) + "</td><td>" + severity_badge(v->worst) + "</td>";
      out += cell(std::to_string(v->findings), "num");
      out += cell(v->why);
    } else {
      // Known from inventory or findings but not judged (yet): say so rather than guess.
      out += "<td><span class=\"note\">no verdict</span></td><td></td>";
      out += cell(std::to_string(index.findings_of(host).size()), "num");
      out += "<td></td>";
    }
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string findings_table(const std::vector<const StoredFinding*>& findings) {
  if (findings.empty()) return "<p class=\"note\">No findings.</p>\n";
  std::string out =
      "<table class=\"findings\">\n<thead><tr><th>plane</th><th>type</th><th>severity</th><th class=\"num\">score"
      "</th><th>subject</th><th>summary</th><th>first seen</th><th>last seen</th><th>id</th></tr></thead>\n"
      "<tbody>\n";
  for (const auto* sf : findings) {
    const auto& f = sf->finding;
    out += "<tr>" + cell(core::to_string(f.plane)) + cell(f.type) + "<td>" + severity_badge(f.severity) + "</td>" +
           cell(score_text(f.score), "num") + cell(f.subject) + cell(f.summary) + cell(short_time(f.first_seen)) +
           cell(short_time(f.last_seen)) + cell(sf->id, "id") + "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string correlations_table(const ViewIndex& index, const HostHref& href) {
  const auto& list = index.view().correlations;
  if (list.empty()) return "<p class=\"note\">No correlations across hosts.</p>\n";
  std::string out =
      "<table id=\"correlations\">\n<thead><tr><th>type</th><th>severity</th><th>model</th><th>subject</th>"
      "<th>summary</th><th>hosts</th><th>id</th></tr></thead>\n<tbody>\n";
  for (const auto& f : list) {
    std::string model;
    if (f.fields.is_object() && f.fields.contains("model") && f.fields["model"].is_string())
      model = f.fields["model"].get<std::string>();
    const auto hosts = correlation_hosts(f);
    out += "<tr>" + cell(f.type) + "<td>" + severity_badge(f.severity) + "</td>" + cell(model) + cell(f.subject) +
           cell(f.summary) + "<td><span class=\"meta\">" + std::to_string(hosts.size()) +
           " hosts</span><ul class=\"hostlist\">";
    for (const auto& h : hosts) {
      out += "<li>";
      out += index.known(h) ? host_link(h, href) : html(h);
      out += "</li>";
    }
    out += "</ul></td>" + cell(f.id(), "id") + "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

}  // namespace sg::fleet::web
