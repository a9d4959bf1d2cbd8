// Regions -> plane findings. An extra part is what the implant reports describe: high.
#include <cmath>

#include <fmt/format.h>

#include "supplyguard/inspect/inspect.hpp"

namespace sg::inspect {
namespace {

double round2(double v) { return std::round(v * 100.0) / 100.0; }

core::Json registration_evidence(const Registration& g) {
  core::Json e = core::Json::object();
  e["keypoints_golden"] = g.keypoints_golden;
  e["keypoints_board"] = g.keypoints_board;
  e["matches"] = g.matches;
  e["inliers"] = g.inliers;
  if (g.ecc_refined) e["ecc"] = round2(g.ecc);
  if (!g.method.empty()) e["method"] = g.method;
  if (g.agreement != 0) e["agreement"] = round2(g.agreement);
  return e;
}

}  // namespace

std::vector<core::Finding> to_findings(const Result& r, const std::string& host) {
  std::vector<core::Finding> out;
  if (!r.registration.ok) {
    core::Finding f;
    f.plane = core::Plane::inspect;
    f.type = "registration_failed";
    f.severity = core::Severity::medium;
    f.score = 1.0;
    f.host = host;
    f.subject = "board";
    f.summary = "cannot align board to golden image: " + r.registration.reason;
    f.fields["reason"] = r.registration.reason;
    f.evidence = registration_evidence(r.registration);
    if (r.changed_fraction > 0) f.evidence["changed_fraction"] = round2(r.changed_fraction);
    out.push_back(std::move(f));
    return out;
  }
  for (const Region& g : r.regions) {
    core::Finding f;
    f.plane = core::Plane::inspect;
    f.type = std::string(to_string(g.kind));
    f.severity = g.kind == ChangeKind::extra ? core::Severity::high : core::Severity::medium;
    f.score = round2(g.score);
    f.host = host;
    f.subject = fmt::format("region {},{} {}x{}", g.bbox.x, g.bbox.y, g.bbox.width, g.bbox.height);
    const char* what = g.kind == ChangeKind::extra     ? "part on the board that is not in the golden image"
                       : g.kind == ChangeKind::missing ? "part in the golden image that is missing from the board"
                                                       : "part that looks different from the golden image";
    f.summary = fmt::format("{} at x={} y={} ({}x{} px, golden coordinates)", what, g.bbox.x, g.bbox.y, g.bbox.width,
                            g.bbox.height);
    f.fields["bbox"] = {g.bbox.x, g.bbox.y, g.bbox.width, g.bbox.height};
    f.fields["area"] = std::lround(g.area);
    f.fields["contrast"] = round2(g.contrast);
    f.evidence["foreground_golden"] = round2(g.foreground_golden);
    f.evidence["foreground_board"] = round2(g.foreground_board);
    f.evidence["registration"] = r.registration.method;
    f.evidence["agreement"] = round2(r.registration.agreement);
    if (r.registration.inliers > 0) f.evidence["inliers"] = r.registration.inliers;
    if (r.registration.ecc_refined) f.evidence["ecc"] = round2(r.registration.ecc);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace sg::inspect
