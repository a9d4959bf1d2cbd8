// Registration: ORB features + ratio-tested matches + RANSAC homography on small grey copies,
// then ECC (intensity-based, invariant to gain/offset) to refine to sub-pixel. Each step can
// fail for a reason the user should see: featureless image, too few agreeing matches, a
// homography that folds or shrinks the board (the two images are not the same board).
#include "registration.hpp"

#include <fmt/format.h>
#include <opencv2/calib3d.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

namespace sg::inspect::detail {
namespace {

cv::Matx33d scaling(double s) { return {s, 0, 0, 0, s, 0, 0, 0, 1}; }

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

}  // namespace

Registration register_board(const cv::Mat& g, double gs, const cv::Mat& b, double bs, const Options& opt) {
  Registration r;
  auto orb = cv::ORB::create(3000, 1.2f, 6);
  std::vector<cv::KeyPoint> kg, kb;
  cv::Mat dg, db;
  orb->detectAndCompute(g, cv::noArray(), kg, dg);
  orb->detectAndCompute(b, cv::noArray(), kb, db);
  r.keypoints_golden = static_cast<int>(kg.size());
  r.keypoints_board = static_cast<int>(kb.size());
  if (kg.size() < 50 || kb.size() < 50) {
    r.reason = fmt::format("too few features to align ({} in golden, {} in board): blank or featureless image",
                           kg.size(), kb.size());
    return r;
  }
  cv::BFMatcher matcher(cv::NORM_HAMMING);
  std::vector<std::vector<cv::DMatch>> knn;
  matcher.knnMatch(db, dg, knn, 2);
  std::vector<cv::Point2f> pb, pg;
  for (const auto& m : knn) {
    if (m.size() == 2 && m[0].distance < 0.8f * m[1].distance) {
      pb.push_back(kb[m[0].queryIdx].pt);
      pg.push_back(kg[m[0].trainIdx].pt);
    }
  }
  r.matches = static_cast<int>(pb.size());
  if (pb.size() < static_cast<size_t>(opt.min_inliers)) {
    r.reason = fmt::format("too few distinctive feature matches ({}, need {}): not the same board?", pb.size(),
                           opt.min_inliers);
    return r;
  }
  std::vector<unsigned char> inl;
  cv::Mat hs = cv::findHomography(pb, pg, cv::RANSAC, 3.0, inl, 3000, 0.999);
  r.inliers = static_cast<int>(std::count(inl.begin(), inl.end(), 1));
  if (hs.empty() || r.inliers < opt.min_inliers) {
    r.reason = fmt::format("only {} of {} feature matches agree on one alignment (need {}): not the same board?",
                           r.inliers, r.matches, opt.min_inliers);
    return r;
  }
  cv::Matx33d h_small(hs);  // board_small -> golden_small
  // ECC refines the golden->board warp (its convention: template coords -> input coords).
  cv::Mat warp(cv::Matx33f(h_small.inv()));
  try {
    r.ecc = cv::findTransformECC(g, b, warp, cv::MOTION_HOMOGRAPHY,
                                 cv::TermCriteria(cv::TermCriteria::COUNT + cv::TermCriteria::EPS, 40, 1e-5),
                                 cv::noArray(), 3);
    r.ecc_refined = true;
    h_small = cv::Matx33d(cv::Matx33f(warp)).inv();
  } catch (const cv::Exception&) {
    // ECC did not converge: keep the feature homography, which is usually within a pixel.
  }
  h_small = h_small * (1.0 / h_small(2, 2));
  r.board_to_golden = scaling(1.0 / gs) * h_small * scaling(bs);
  const cv::Size golden_full(static_cast<int>(std::lround(g.cols / gs)), static_cast<int>(std::lround(g.rows / gs)));
  if (std::string why = degenerate(r.board_to_golden, golden_full); !why.empty()) {
    r.reason = "degenerate alignment: " + why;
    return r;
  }
  if (r.ecc_refined && r.ecc < 0.5) {
    r.reason = fmt::format("aligned images do not correlate (ECC {:.2f}): not the same board?", r.ecc);
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace sg::inspect::detail
