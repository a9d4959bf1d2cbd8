// The static report, the timeline chart and filter_findings over the fixture fleet.
#include <gtest/gtest.h>

#include <regex>

#include "fixture_view.hpp"
#include "html_check.hpp"
#include "web/chart.hpp"

namespace sg::fleet {
namespace {

using testing::count;
constexpr core::Micros kHour = 3'600'000'000LL, kDay = 24 * kHour;

const std::set<std::string> kReportTags = {"!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header",
                                           "h1", "h2", "h3", "p", "ul", "li", "b", "span", "table", "thead",
                                           "tbody", "tr", "th", "td", "a", "code", "section", "main", "svg",
                                           "line", "rect", "text"};

TEST(Report, OnlyOurOwnElementsAndAttributes) {
  const std::string page = render_report_html(testing::fixture_view());
  for (const auto& tag : testing::tag_names(page)) EXPECT_TRUE(kReportTags.count(tag)) << "element <" << tag << ">";
  for (const auto& a : testing::attribute_names(page)) {
    EXPECT_NE(a.rfind("on", 0), 0u) << "event handler attribute " << a;
    EXPECT_NE(a, "src");
  }
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_EQ(count(page, "</style>"), 1u);  // ours; the hostile one is text
  EXPECT_EQ(count(page, "</table>"), count(page, "<table"));
  EXPECT_EQ(std::regex_search(page, std::regex("href=\"\\s*javascript", std::regex::icase)), false);
}

TEST(Report, HostileStringsAppearEscaped) {
  const std::string page = render_report_html(testing::fixture_view());
  EXPECT_NE(page.find("&lt;img src=x onerror=alert(1)&gt;"), std::string::npos);
  EXPECT_NE(page.find("&quot;&gt;&lt;script&gt;alert(2)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("&lt;/style&gt;&lt;/table&gt;&lt;script&gt;alert(3)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("rack/../../etc/passwd"), std::string::npos);  // as text; links are #host-N
  EXPECT_NE(page.find("bios \xEF\xBF\xBD\xEF\xBF\xBD invalid utf-8 \xEF\xBF\xBD control"), std::string::npos);
}

TEST(Report, HeaderCountsAndVerdictTable) {
  const FleetView view = testing::fixture_view();
  const std::string page = render_report_html(view);
  EXPECT_NE(page.find("<li id=\"count-compromised\"><b>6</b>"), std::string::npos);
  EXPECT_NE(page.find("<li id=\"count-suspect\"><b>3</b>"), std::string::npos);
  EXPECT_NE(page.find("<li id=\"count-clean\"><b>11</b>"), std::string::npos);
  EXPECT_NE(page.find("<li id=\"count-hosts\"><b>20</b>"), std::string::npos);
  // One row per host in the verdict table, worst first.
  const auto start = page.find("<table id=\"verdict-table\">"), end = page.find("</table>", start);
  ASSERT_NE(start, std::string::npos);
  const std::string table = page.substr(start, end - start);
  EXPECT_EQ(count(table, "<tr>"), 1u + 20u);
  EXPECT_LT(table.find("smx-b17-01"), table.find("r740-03"));
  EXPECT_LT(table.find("r740-03"), table.find("smx-b18-01"));
  EXPECT_EQ(count(table, "verdict-compromised\">compromised"), 6u);
}

TEST(Report, PerHostSectionsHoldTheirFindings) {
  const FleetView view = testing::fixture_view();
  const std::string page = render_report_html(view);
  EXPECT_EQ(count(page, "<section class=\"host\""), 20u);
  // smx-b17-01 is first in the verdicts: section host-0, with its beacon and its added component,
  // the critical one first.
  const auto s = page.find("<section class=\"host\" id=\"host-0\">");
  ASSERT_NE(s, std::string::npos);
  const std::string section = page.substr(s, page.find("</section>", s) - s);
  EXPECT_NE(section.find("smx-b17-01"), std::string::npos);
  EXPECT_LT(section.find("<td>component_added</td>"), section.find("<td>beacon</td>"));
  EXPECT_NE(section.find("203.0.113.66"), std::string::npos);
  for (const auto& sf : view.findings)
    if (sf.host == "smx-b17-01") {
      EXPECT_NE(section.find(sf.id), std::string::npos) << sf.finding.type;
    }
  EXPECT_NE(section.find("2026-11-20T01:00:00Z"), std::string::npos);  // beacon first seen
}

TEST(Report, CorrelationsListTheirHosts) {
  const std::string page = render_report_html(testing::fixture_view());
  const auto s = page.find("<table id=\"correlations\">");
  ASSERT_NE(s, std::string::npos);
  const std::string table = page.substr(s, page.find("</table>", s) - s);
  EXPECT_EQ(count(table, "<tr>"), 1u + 3u);
  EXPECT_NE(table.find("shared_destination"), std::string::npos);
  EXPECT_NE(table.find("shared_component_change"), std::string::npos);
  for (int i = 1; i <= 6; ++i) EXPECT_NE(table.find("smx-b17-0" + std::to_string(i) + "</a>"), std::string::npos);
  EXPECT_EQ(table.find("smx-b17-07"), std::string::npos);
  // An unknown host named by a correlation is plain (escaped) text, not a link.
  EXPECT_NE(table.find("<li>&lt;b&gt;ghost&lt;/b&gt;</li>"), std::string::npos);
}

TEST(Report, IsDeterministic) {
  EXPECT_EQ(render_report_html(testing::fixture_view()), render_report_html(testing::fixture_view()));
}

TEST(Report, EmptyFleetStillRenders) {
  const std::string page = render_report_html(FleetView{});
  EXPECT_NE(page.find("No correlations across hosts."), std::string::npos);
  EXPECT_NE(page.find("nothing to chart"), std::string::npos);
  EXPECT_NE(page.find("<li id=\"count-hosts\"><b>0</b>"), std::string::npos);
  EXPECT_NE(page.rfind("</html>\n"), std::string::npos);
}

TEST(Chart, BucketWidthFollowsTheSpan) {
  const core::Micros t0 = 1'795'132'800'000'000LL;
  auto b = web::choose_buckets(t0 + 90 * 60'000'000LL, t0 + 3 * kDay);
  EXPECT_EQ(b.width, kHour);
  EXPECT_EQ(b.start, t0 + kHour);  // aligned down to the hour
  EXPECT_EQ(b.count, 72u);
  EXPECT_EQ(web::choose_buckets(t0, t0 + 20 * kDay).width, 6 * kHour);
  EXPECT_EQ(web::choose_buckets(t0, t0 + 90 * kDay).width, kDay);
  EXPECT_EQ(web::choose_buckets(t0, t0 + 10 * 365 * kDay).width, 365 * kDay);
  EXPECT_EQ(web::choose_buckets(t0, t0).count, 1u);
  // Pre-1970 times floor downwards too.
  EXPECT_EQ(web::choose_buckets(-kHour / 2, kHour).start, -kHour);
  const auto wide = web::choose_buckets(-62'000'000'000'000'000LL, 253'000'000'000'000'000LL);
  EXPECT_LE(wide.count, 120u);
  EXPECT_GT(wide.count, 0u);
}

// Sums the per-bar counts from the SVG's <title>s: every dated finding is in exactly one bar.
TEST(Chart, EveryDatedFindingIsCountedOnce) {
  FleetView view = testing::fixture_view();
  view.findings.back().finding.first_seen.reset();
  view.findings.back().finding.last_seen.reset();  // one undated finding
  const std::string svg = web::render_timeline_svg(view.findings);
  std::size_t total = 0, critical = 0;
  static const std::regex bar(R"(<title>[^<]*: (\d+) (info|low|medium|high|critical)</title></rect>)");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), bar); it != std::sregex_iterator(); ++it) {
    total += std::stoul((*it)[1]);
    if ((*it)[2] == "critical") critical += std::stoul((*it)[1]);
  }
  EXPECT_EQ(total, view.findings.size() - 1);
  EXPECT_EQ(critical, 6u + 2u);  // six added components and two correlations (the undated one is medium)
  EXPECT_NE(svg.find("1 finding(s) carry no time"), std::string::npos);
  EXPECT_NE(svg.find("Findings per hour"), std::string::npos);
}

TEST(Chart, HostileTimesDoNotOverflow) {
  std::vector<StoredFinding> f(2);
  f[0].finding.first_seen = INT64_MIN;
  f[1].finding.first_seen = INT64_MAX;
  const std::string svg = web::render_timeline_svg(f);
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("0001-01-01"), std::string::npos);
}

TEST(Filter, EachCriterion) {
  const FleetView view = testing::fixture_view();
  auto n = [&view](auto set) {
    FindingFilter f;
    set(f);
    return filter_findings(view, f).size();
  };
  EXPECT_EQ(n([](auto&) {}), view.findings.size());
  EXPECT_EQ(n([](auto& f) { f.host = "r740-03"; }), 1u);
  EXPECT_EQ(n([](auto& f) { f.plane = "attest"; }), 7u);
  EXPECT_EQ(n([](auto& f) { f.type = "beacon"; }), 6u);
  EXPECT_EQ(n([](auto& f) { f.plane = "attest", f.min_severity = core::Severity::critical; }), 6u);
  EXPECT_EQ(n([](auto& f) { f.min_severity = core::Severity::critical; }), 6u + 2u);
  // SMX-2200: findings on its hosts (12 + 2) and the two correlations naming it.
  EXPECT_EQ(n([](auto& f) { f.model = "SMX-2200"; }), 16u);
  EXPECT_EQ(n([](auto& f) { f.model = "nope"; }), 0u);
  EXPECT_EQ(n([](auto& f) { f.limit = 3; }), 3u);
  EXPECT_EQ(n([](auto& f) { f.limit = 0; }), 0u);
  FindingFilter high;
  high.host = "smx-b17-02";
  high.min_severity = core::Severity::high;
  const auto found = filter_findings(view, high);
  EXPECT_EQ(found.size(), 2u);
  for (const auto& sf : found) EXPECT_GE(sf.finding.severity, core::Severity::high);
}

}  // namespace
}  // namespace sg::fleet
