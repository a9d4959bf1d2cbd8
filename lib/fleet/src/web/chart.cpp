#include "web/chart.hpp"

#include <algorithm>
#include <array>
#include <cstdio>

#include "web/escape.hpp"

namespace sg::fleet::web {
namespace {

constexpr core::Micros kHour = 3'600'000'000LL;
constexpr core::Micros kDay = 24 * kHour;
constexpr core::Micros kMinTime = -62135596800'000000LL;  // 0001-01-01T00:00:00Z
constexpr core::Micros kMaxTime = 253402300799'999999LL;  // 9999-12-31T23:59:59.999999Z

// Floor division that rounds towards minus infinity (pre-1970 times are negative).
core::Micros floor_div(core::Micros a, core::Micros b) {
  core::Micros q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Severity colours; the same ones the CSS badges use (web/style.cpp).
constexpr std::array<const char*, 5> kColour = {"#8a94a6", "#3f7fbf", "#d9a400", "#e06c00", "#c0182b"};

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string label(core::Micros t, core::Micros width) {
  const std::string iso = core::format_iso8601(t);
  // Hour buckets need the hour; coarser ones only the date.
  return width < kDay ? iso.substr(0, 10) + " " + iso.substr(11, 5) : iso.substr(0, 10);
}

}  // namespace

TimelineBucketing choose_buckets(core::Micros lo, core::Micros hi, std::size_t max_buckets) {
  TimelineBucketing b;
  if (hi < lo || max_buckets == 0) return b;
  for (const core::Micros w : {kHour, 6 * kHour, kDay, 7 * kDay, 30 * kDay, 365 * kDay}) {
    const core::Micros start = floor_div(lo, w) * w;
    const auto n = static_cast<std::size_t>((hi - start) / w) + 1;
    if (n <= max_buckets) return {start, w, n};
  }
  // Beyond centuries (only hostile or broken timestamps get here): equal buckets.
  const core::Micros w = (hi - lo) / static_cast<core::Micros>(max_buckets) + 1;
  return {lo, w, static_cast<std::size_t>((hi - lo) / w) + 1};
}

namespace {
struct Dated {
  core::Micros t;
  core::Severity severity;
  std::size_t n;
  bool operator<(const Dated& o) const { return t < o.t; }
};
std::string render_dated(const std::vector<Dated>& dated, std::size_t undated);
}  // namespace

std::string render_timeline_svg(const std::vector<StoredFinding>& findings) {
  std::vector<Dated> dated;
  std::size_t undated = 0;
  for (const auto& sf : findings) {
    const auto& f = sf.finding;
    // Clamped to years 0001..9999 (what ISO 8601 text can say) so spans cannot overflow.
    if (auto t = f.first_seen ? f.first_seen : f.last_seen)
      dated.push_back({std::clamp(*t, kMinTime, kMaxTime), f.severity, 1});
    else
      ++undated;
  }
  return render_dated(dated, undated);
}

std::string render_timeline_svg(const std::vector<TimeCount>& counts, std::size_t undated) {
  std::vector<Dated> dated;
  for (const auto& c : counts)
    if (c.count) dated.push_back({std::clamp(c.hour, kMinTime, kMaxTime), c.severity, c.count});
  return render_dated(dated, undated);
}

namespace {
std::string render_dated(const std::vector<Dated>& dated, std::size_t undated) {
  std::string out;
  const std::string note =
      undated ? "<p class=\"note\">" + std::to_string(undated) + " finding(s) carry no time and are not charted.</p>\n"
              : std::string();
  if (dated.empty()) return "<p class=\"note\">No finding carries a time: nothing to chart.</p>\n" + note;

  auto [lo_it, hi_it] = std::minmax_element(dated.begin(), dated.end());
  const auto b = choose_buckets(lo_it->t, hi_it->t);
  std::vector<std::array<std::size_t, 5>> counts(b.count, std::array<std::size_t, 5>{});
  for (const auto& d : dated) {
    auto i = static_cast<std::size_t>((d.t - b.start) / b.width);
    counts[std::min(i, b.count - 1)][static_cast<int>(d.severity)] += d.n;
  }
  std::size_t peak = 1;
  for (const auto& c : counts) {
    std::size_t total = 0;
    for (auto v : c) total += v;
    peak = std::max(peak, total);
  }

  constexpr double W = 960, H = 260, left = 56, right = 12, top = 16, bottom = 44;
  const double pw = W - left - right, ph = H - top - bottom;
  const double bw = pw / static_cast<double>(b.count);
  const std::string unit = b.width == kHour ? "hour" : b.width == 6 * kHour ? "6 hours"
                         : b.width == kDay ? "day" : b.width == 7 * kDay ? "week"
                         : b.width == 30 * kDay ? "30 days" : b.width == 365 * kDay ? "365 days" : "bucket";

  out += "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 960 260\" role=\"img\" "
         "aria-labelledby=\"timeline-title\">\n<title id=\"timeline-title\">Findings per " + unit +
         ", stacked by severity</title>\n";
  // Axes and three horizontal guides (0, half, peak).
  for (int k = 0; k <= 2; ++k) {
    const double y = top + ph - ph * k / 2.0;
    out += "<line x1=\"" + num(left) + "\" y1=\"" + num(y) + "\" x2=\"" + num(W - right) + "\" y2=\"" + num(y) +
           "\" stroke=\"#d0d4dc\" stroke-width=\"1\"/>\n";
    char value[32];
    std::snprintf(value, sizeof value, "%g", static_cast<double>(peak) * k / 2.0);
    out += "<text x=\"" + num(left - 6) + "\" y=\"" + num(y + 4) + "\" text-anchor=\"end\" font-size=\"11\">" +
           value + "</text>\n";
  }
  for (std::size_t i = 0; i < b.count; ++i) {
    double y = top + ph;
    const std::string when = label(b.start + static_cast<core::Micros>(i) * b.width, b.width);
    for (int s = 0; s < 5; ++s) {
      const std::size_t n = counts[i][s];
      if (n == 0) continue;
      const double h = ph * static_cast<double>(n) / static_cast<double>(peak);
      y -= h;
      out += "<rect x=\"" + num(left + bw * static_cast<double>(i) + 0.5) + "\" y=\"" + num(y) + "\" width=\"" +
             num(std::max(bw - 1.0, 0.5)) + "\" height=\"" + num(h) + "\" fill=\"" + kColour[s] + "\"><title>" +
             html(when) + ": " + std::to_string(n) + " " +
             std::string(core::to_string(static_cast<core::Severity>(s))) + "</title></rect>\n";
    }
  }
  // Labels at the first, middle and last bucket.
  std::vector<std::size_t> ticks = {0};
  if (b.count > 2) ticks.push_back(b.count / 2);
  if (b.count > 1) ticks.push_back(b.count - 1);
  for (const auto i : ticks) {
    // The outer labels are anchored inwards so they are not cut at the chart's edges.
    const double x = i == 0 ? left : i + 1 == b.count && i > 0 ? W - right : left + bw * (static_cast<double>(i) + 0.5);
    const char* anchor = i == 0 ? "start" : i + 1 == b.count ? "end" : "middle";
    out += "<text x=\"" + num(x) + "\" y=\"" + num(H - bottom + 16) + "\" text-anchor=\"" + anchor +
           "\" font-size=\"11\">" +
           html(label(b.start + static_cast<core::Micros>(i) * b.width, b.width)) + "</text>\n";
  }
  // Legend.
  double lx = left;
  for (int s = 0; s < 5; ++s) {
    out += "<rect x=\"" + num(lx) + "\" y=\"" + num(H - 16) + "\" width=\"10\" height=\"10\" fill=\"" + kColour[s] +
           "\"/><text x=\"" + num(lx + 14) + "\" y=\"" + num(H - 7) + "\" font-size=\"11\">" +
           std::string(core::to_string(static_cast<core::Severity>(s))) + "</text>\n";
    lx += 90;
  }
  out += "</svg>\n";
  return out + note;
}
}  // namespace

}  // namespace sg::fleet::web
