// Draws findings on the board photo as taken (not the warped copy): the golden box is mapped back
// through the inverse homography, so on a rotated photo it is a rotated quadrilateral around the
// part the technician is looking at.
#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include "supplyguard/inspect/inspect.hpp"

namespace sg::inspect {

cv::Mat annotate(const cv::Mat& board, const Result& r) {
  cv::Mat out = board.clone();
  const double unit = std::max(1.0, out.cols / 2000.0);
  const int th = std::max(2, static_cast<int>(std::lround(2 * unit)));
  if (!r.registration.ok) {
    cv::rectangle(out, cv::Rect(0, 0, out.cols, static_cast<int>(60 * unit)), cv::Scalar(0, 0, 160), cv::FILLED);
    cv::putText(out, "registration failed: " + r.registration.reason, cv::Point(static_cast<int>(10 * unit), static_cast<int>(40 * unit)),
                cv::FONT_HERSHEY_SIMPLEX, 0.8 * unit, cv::Scalar(255, 255, 255), th, cv::LINE_AA);
    return out;
  }
  const cv::Matx33d to_board = r.registration.board_to_golden.inv();
  int i = 0;
  for (const Region& g : r.regions) {
    ++i;
    const cv::Scalar color = g.kind == ChangeKind::extra     ? cv::Scalar(0, 0, 255)
                             : g.kind == ChangeKind::missing ? cv::Scalar(0, 200, 255)
                                                             : cv::Scalar(255, 160, 0);
    // Pad small boxes so a 20x40 part is visibly boxed, not covered by the line.
    const int pad = static_cast<int>(8 * unit);
    const cv::Rect b(g.bbox.x - pad, g.bbox.y - pad, g.bbox.width + 2 * pad, g.bbox.height + 2 * pad);
    std::vector<cv::Point2d> corners = {{double(b.x), double(b.y)}, {double(b.br().x), double(b.y)},
                                        {double(b.br().x), double(b.br().y)}, {double(b.x), double(b.br().y)}}, mapped;
    cv::perspectiveTransform(corners, mapped, cv::Mat(to_board));
    std::vector<cv::Point> poly;
    for (const auto& p : mapped) poly.emplace_back(cvRound(p.x), cvRound(p.y));
    cv::polylines(out, poly, true, color, th, cv::LINE_AA);
    const std::string label = fmt::format("#{} {} {},{} {}x{}", i,
                                          g.kind == ChangeKind::extra ? "EXTRA" : g.kind == ChangeKind::missing ? "MISSING" : "CHANGED",
                                          g.bbox.x, g.bbox.y, g.bbox.width, g.bbox.height);
    const double fs = 0.7 * unit;
    int base = 0;
    const cv::Size ts = cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, fs, th, &base);
    // Label above the box (below it at the top edge of the photo), never over the part.
    const cv::Rect hull = cv::boundingRect(poly);
    cv::Point at(hull.x, hull.y - base - static_cast<int>(6 * unit));
    if (at.y - ts.height - 4 < 0) at.y = hull.br().y + ts.height + static_cast<int>(8 * unit);
    at.x = std::clamp(at.x, 0, std::max(0, out.cols - ts.width));
    cv::rectangle(out, cv::Rect(at.x - 2, at.y - ts.height - 4, ts.width + 4, ts.height + base + 6), cv::Scalar(0, 0, 0), cv::FILLED);
    cv::putText(out, label, at, cv::FONT_HERSHEY_SIMPLEX, fs, color, th, cv::LINE_AA);
  }
  return out;
}

}  // namespace sg::inspect
