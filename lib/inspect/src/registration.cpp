// Registration: cheapest hypothesis first, each one checked by how well the aligned grey copies
// correlate, so the same board is never lost because one method is ambiguous on it:
//   1. translation by phase correlation (scans and photos from a fixture differ by a few px; on
//      repetitive binarised copper, features are ambiguous but the spectrum's peak is not);
//   2. ECC (intensity, gain/offset invariant) from that shift, for small rotations and scale;
//   3. ORB features + ratio test + RANSAC homography for real pose changes;
//   4. SIFT with more features when ORB's matches are too few or do not agree.
// Every accepted alignment is refined by ECC to sub-pixel and must pass the geometry checks
// (no fold, bounded scale and perspective) and correlate; registration_failed is what is left
// when no hypothesis aligns the images, i.e. when the boards really differ.
#include "registration.hpp"

#include <fmt/format.h>
#include <opencv2/calib3d.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

namespace sg::inspect::detail {
namespace {

constexpr double kTranslationAccept = 0.80;  // correlation that makes a pure shift good enough
constexpr double kEccAccept = 0.80;          // ... an ECC warp from that shift
constexpr double kMinAgreement = 0.50;       // below this no alignment is believed
constexpr double kFewDiffer = 0.03;           // ... or leaves this few pixels differing
constexpr double kCoarseSide = 320.0;        // long side of the copies the shift is found on

cv::Matx33d scaling(double s) { return {s, 0, 0, 0, s, 0, 0, 0, 1}; }
cv::Matx33d translation(double dx, double dy) { return {1, 0, dx, 0, 1, dy, 0, 0, 1}; }

// A homography between two photos of the same flat board, within the pose bounds we accept,
// is close to a similarity: reject folds, strong perspective, and big scale changes.
std::string degenerate(const cv::Matx33d& h, cv::Size golden) {
  const double det = h(0, 0) * h(1, 1) - h(0, 1) * h(1, 0);
  if (!(det > 0.25 && det < 4.0)) return fmt::format("homography scales area by {:.2f}", det);
  const double persp = std::abs(h(2, 0)) * golden.width + std::abs(h(2, 1)) * golden.height;
  if (persp > 0.3) return fmt::format("homography has strong perspective ({:.2f})", persp);
  std::vector<cv::Point2d> c = {{0, 0}, {double(golden.width), 0}, {double(golden.width), double(golden.height)},
                                {0, double(golden.height)}}, m;
  cv::perspectiveTransform(c, m, cv::Mat(h));
  std::vector<cv::Point2f> mf(m.begin(), m.end());
  if (!cv::isContourConvex(mf)) return "homography folds the image";
  return {};
}

// Zero-mean normalised correlation of golden and the board mapped by h (board -> golden), over
// the golden pixels the board covers. Gain/offset invariant, so lighting does not lower it; a
// few defects barely do; another board or a wrong alignment brings it near 0.
double agreement(const cv::Mat& g, const cv::Mat& b, const cv::Matx33d& h) {
  cv::Mat warped, valid;
  cv::warpPerspective(b, warped, cv::Mat(h), g.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  cv::warpPerspective(cv::Mat(b.size(), CV_8U, cv::Scalar(255)), valid, cv::Mat(h), g.size(), cv::INTER_NEAREST,
                      cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::erode(valid, valid, cv::Mat(), cv::Point(-1, -1), 2);
  if (cv::countNonZero(valid) < static_cast<int>(g.total() / 4)) return 0.0;  // too little overlap to judge
  cv::Scalar mg, sg, mb, sb;
  cv::meanStdDev(g, mg, sg, valid);
  cv::meanStdDev(warped, mb, sb, valid);
  if (sg[0] < 1e-3 || sb[0] < 1e-3) return 0.0;
  cv::Mat gf, bf;
  g.convertTo(gf, CV_32F, 1.0, -mg[0]);
  warped.convertTo(bf, CV_32F, 1.0, -mb[0]);
  gf.setTo(0, valid == 0);
  return gf.dot(bf) / (cv::countNonZero(valid) * sg[0] * sb[0]);
}

// Share of the golden pixels the board covers that differ by more than 40 grey levels.
double differing_share(const cv::Mat& g, const cv::Mat& b, const cv::Matx33d& h) {
  cv::Mat warped, valid, diff;
  cv::warpPerspective(b, warped, cv::Mat(h), g.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  cv::warpPerspective(cv::Mat(b.size(), CV_8U, cv::Scalar(255)), valid, cv::Mat(h), g.size(), cv::INTER_NEAREST,
                      cv::BORDER_CONSTANT, cv::Scalar(0));
  cv::absdiff(g, warped, diff);
  const int n = cv::countNonZero(valid);
  return n > 0 ? double(cv::countNonZero((diff > 40) & valid)) / n : 1.0;
}

// Phase correlation of the two grey copies (same size): the shift that best lines them up, as a
// board -> golden translation (phaseCorrelate(g, b) = s means board(x) = golden(x - s)), and how
// well the images correlate after it. A board with little structure (a copper pour, a blank
// area) correlates poorly even when it is the same board; there the share of pixels that still
// differ decides: nearly none, and the shift is right.
cv::Matx33d shift_hypothesis(const cv::Mat& g, const cv::Mat& b, double& corr, double& differing) {
  cv::Mat gf, bf, window;
  g.convertTo(gf, CV_32F);
  b.convertTo(bf, CV_32F);
  cv::createHanningWindow(window, g.size(), CV_32F);
  const cv::Point2d s = cv::phaseCorrelate(gf, bf, window);
  // Identity competes: on a nearly blank image the spectrum's peak can be anywhere.
  const cv::Matx33d shift = translation(-s.x, -s.y), same = cv::Matx33d::eye();
  const double c_shift = agreement(g, b, shift), c_same = agreement(g, b, same);
  corr = std::max(c_shift, c_same);
  if (corr >= kTranslationAccept) {
    differing = 0.0;
    return c_shift >= c_same ? shift : same;
  }
  const double d_shift = differing_share(g, b, shift), d_same = differing_share(g, b, same);
  differing = std::min(d_shift, d_same);
  return d_shift <= d_same ? shift : same;
}

// ECC refinement of a board -> golden homography h on the grey copies (ECC's warp maps template
// = golden coordinates to input = board coordinates). Returns false when it does not converge.
bool refine_ecc(const cv::Mat& g, const cv::Mat& b, cv::Matx33d& h, double& ecc, int motion, int iterations) {
  cv::Mat warp;
  const cv::Matx33d inv = h.inv() * (1.0 / h.inv()(2, 2));
  if (motion == cv::MOTION_HOMOGRAPHY) warp = cv::Mat(cv::Matx33f(inv));
  else warp = (cv::Mat_<float>(2, 3) << inv(0, 0), inv(0, 1), inv(0, 2), inv(1, 0), inv(1, 1), inv(1, 2));
  try {
    ecc = cv::findTransformECC(g, b, warp, motion,
                               cv::TermCriteria(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, iterations, 1e-4),
                               cv::noArray(), 5);
  } catch (const cv::Exception&) {
    return false;
  }
  cv::Matx33d w = cv::Matx33d::eye();
  for (int r = 0; r < warp.rows; ++r)
    for (int c = 0; c < 3; ++c) w(r, c) = warp.at<float>(r, c);
  h = w.inv();
  h = h * (1.0 / h(2, 2));
  return true;
}

// Features + ratio test + RANSAC: board_small -> golden_small, or a reason.
bool feature_hypothesis(const cv::Mat& g, const cv::Mat& b, const cv::Ptr<cv::Feature2D>& detector, int norm,
                        float ratio, const Options& opt, Registration& r, cv::Matx33d& h) {
  std::vector<cv::KeyPoint> kg, kb;
  cv::Mat dg, db;
  detector->detectAndCompute(g, cv::noArray(), kg, dg);
  detector->detectAndCompute(b, cv::noArray(), kb, db);
  r.keypoints_golden = static_cast<int>(kg.size());
  r.keypoints_board = static_cast<int>(kb.size());
  if (kg.size() < 50 || kb.size() < 50) {
    r.reason = fmt::format("too few features to align ({} in golden, {} in board): blank or featureless image",
                           kg.size(), kb.size());
    return false;
  }
  cv::BFMatcher matcher(norm);
  std::vector<std::vector<cv::DMatch>> knn;
  matcher.knnMatch(db, dg, knn, 2);
  std::vector<cv::Point2f> pb, pg;
  for (const auto& m : knn) {
    if (m.size() == 2 && m[0].distance < ratio * m[1].distance) {
      pb.push_back(kb[m[0].queryIdx].pt);
      pg.push_back(kg[m[0].trainIdx].pt);
    }
  }
  r.matches = static_cast<int>(pb.size());
  if (pb.size() < static_cast<size_t>(opt.min_inliers)) {
    r.reason = fmt::format("too few distinctive feature matches ({}, need {}): not the same board?", pb.size(),
                           opt.min_inliers);
    return false;
  }
  std::vector<unsigned char> inl;
  cv::Mat hs = cv::findHomography(pb, pg, cv::RANSAC, 3.0, inl, 3000, 0.999);
  r.inliers = static_cast<int>(std::count(inl.begin(), inl.end(), 1));
  if (hs.empty() || r.inliers < opt.min_inliers) {
    r.reason = fmt::format("only {} of {} feature matches agree on one alignment (need {}): not the same board?",
                           r.inliers, r.matches, opt.min_inliers);
    return false;
  }
  h = cv::Matx33d(hs);
  return true;
}

}  // namespace

Registration register_board(const cv::Mat& g, double gs, const cv::Mat& b, double bs, const Options& opt) {
  Registration r;
  const cv::Size golden_full(static_cast<int>(std::lround(g.cols / gs)), static_cast<int>(std::lround(g.rows / gs)));
  cv::Matx33d h = cv::Matx33d::eye();  // board_small -> golden_small
  bool found = false, refine = false, low_structure = false;

  // 1-2. Same framing: a shift, then ECC from it, on coarse copies (a 640x640 DFT costs 5x a
  // 320x320 one; the shift is sub-pixel either way). Cheap, and right for fixtures and scanners.
  double shift_corr = 0.0;
  const double cs = std::min(1.0, kCoarseSide / std::max(g.cols, g.rows));
  const double cbs = std::min(1.0, kCoarseSide / std::max(b.cols, b.rows));
  cv::Mat gc = g, bc = b;
  if (cs < 1.0) cv::resize(g, gc, cv::Size(), cs, cs, cv::INTER_AREA);
  if (cbs < 1.0) cv::resize(b, bc, cv::Size(), cbs, cbs, cv::INTER_AREA);
  if (g.size() == b.size()) {
    double differing = 1.0;
    const cv::Matx33d t = shift_hypothesis(gc, bc, shift_corr, differing);
    cv::Matx33d e = t;
    double ecc = 0.0;
    if (shift_corr >= kTranslationAccept || differing < kFewDiffer) {
      // Sub-pixel and small rotation/scale on top of the shift; kept only when it helps.
      const bool better = refine_ecc(gc, bc, e, ecc, cv::MOTION_AFFINE, 15) && degenerate(e, gc.size()).empty() &&
                          ecc > shift_corr;
      if (better) {
        r.ecc = ecc;
        r.ecc_refined = true;
      } else {
        e = t;
      }
      r.method = "translation";
      low_structure = shift_corr < kTranslationAccept;
      found = true;
    } else if (shift_corr > 0.2 && refine_ecc(gc, bc, e, ecc, cv::MOTION_HOMOGRAPHY, 40) && ecc >= kEccAccept &&
               degenerate(e, gc.size()).empty()) {
      r.ecc = ecc;
      r.ecc_refined = true;
      r.method = "ecc";
      found = true;
    }
    if (found) {
      h = scaling(1.0 / cs) * e * scaling(cs);
      refine = cs < 0.5;  // coarse copy much smaller: its precision is not enough at full size
    }
  }

  // 3-4. Real pose change: ORB, then SIFT with more features when ORB is ambiguous.
  if (!found) {
    found = feature_hypothesis(g, b, cv::ORB::create(3000, 1.2f, 6), cv::NORM_HAMMING, 0.8f, opt, r, h);
    if (found) r.method = "orb";
  }
  if (!found) {
    const std::string orb_reason = r.reason;
    found = feature_hypothesis(g, b, cv::SIFT::create(6000), cv::NORM_L2, 0.75f, opt, r, h);
    if (found) r.method = "sift";
    else r.reason = orb_reason + "; SIFT: " + r.reason;
  }
  if (!found) {
    if (g.size() == b.size()) r.reason += fmt::format("; best shift correlates {:.2f}", shift_corr);
    return r;
  }
  r.reason.clear();
  if (refine || r.method == "orb" || r.method == "sift") {
    cv::Matx33d e = h;
    double ecc = 0.0;
    if (refine_ecc(g, b, e, ecc, cv::MOTION_HOMOGRAPHY, 40)) {
      h = e;
      r.ecc = ecc;
      r.ecc_refined = true;
    }  // else: keep the hypothesis, which is usually within a pixel
  }
  h = h * (1.0 / h(2, 2));
  r.board_to_golden = scaling(1.0 / gs) * h * scaling(bs);
  if (std::string why = degenerate(r.board_to_golden, golden_full); !why.empty()) {
    r.reason = "degenerate alignment: " + why;
    return r;
  }
  r.agreement = agreement(gc, bc, scaling(cs) * h * scaling(1.0 / cbs));  // coarse: a check, not a fit
  if (r.agreement < kMinAgreement && !low_structure) {
    r.reason = fmt::format("aligned images do not correlate ({:.2f}, {} alignment): not the same board?", r.agreement,
                           r.method);
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace sg::inspect::detail
