#pragma once
// inspect: compare a photo of a board with its golden board and report what differs, in golden
// coordinates, precisely enough to send a person to the spot.
//
//   golden, board --register--> homography (board -> golden) --warp+normalise--> aligned board
//   --structural difference--> changed pixels --morphology, components--> regions
//   --classify (extra / missing / changed)--> findings
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "supplyguard/core/finding.hpp"

namespace sg::inspect {

struct Options {
  double min_area = 0.0;     // golden px; 0 = 200 px scaled to a 4000-px-wide golden image
  double threshold = 28.0;   // grey levels a pixel must differ by, beyond its neighbourhood
  int min_inliers = 25;      // feature matches agreeing on the homography
  double max_changed_fraction = 0.12;  // more than this differs: not the same board
  // Binarised scans: an edge that moved by up to this many working px is not a change
  // (residual misregistration, binarisation jitter along copper edges).
  int shift_tolerance = 2;
  // Binarised scans: which level is material (copper). DeepPCB's scans render copper black;
  // a scanner that renders it white needs false here (CLI --copper white).
  bool material_dark = true;
  // Names used in error messages.
  std::string golden_name = "golden", board_name = "board", mask_name = "mask";
};

enum class ChangeKind { extra, missing, changed };
std::string_view to_string(ChangeKind k);

struct Region {
  ChangeKind kind = ChangeKind::changed;
  cv::Rect bbox;           // golden coordinates
  double area = 0.0;       // changed pixels, golden px
  double contrast = 0.0;   // mean difference over the region, grey levels
  double score = 0.0;      // [0,1]
  double foreground_golden = 0.0;  // share of the region that is not bare board, golden / board
  double foreground_board = 0.0;
};

struct Registration {
  bool ok = false;
  std::string reason;           // why not, when !ok
  // Which hypothesis held, cheapest first: "translation" (phase correlation, frames already
  // aligned up to a shift), "ecc" (intensity alignment from that shift), "orb" or "sift" (features
  // + RANSAC, for real pose changes).
  std::string method;
  double agreement = 0.0;       // zero-mean normalised correlation of the aligned grey copies
  cv::Matx33d board_to_golden = cv::Matx33d::eye();  // full-resolution homography
  int keypoints_golden = 0, keypoints_board = 0, matches = 0, inliers = 0;
  double ecc = 0.0;             // correlation after ECC refinement (0 when not run)
  bool ecc_refined = false;
};

struct Result {
  Registration registration;
  std::vector<Region> regions;  // most significant first
  cv::Size golden_size;
  double changed_fraction = 0.0;  // of the inspected (unmasked, in-view) area
  double work_scale = 1.0;        // golden px -> working px
  bool binary = false;            // both images binarised: compared as material vs bare
};

// `mask` (optional, golden size, 8-bit): non-zero pixels are excluded from the comparison.
// Throws core::InputError (naming the inputs) when the images cannot be compared at all
// (mismatched resolution, mask of the wrong size). A failed registration is a result, not an error.
Result inspect(const cv::Mat& golden, const cv::Mat& board, const cv::Mat& mask = {}, const Options& opt = {});

// Findings for the plane: one per region, or one registration_failed.
std::vector<core::Finding> to_findings(const Result& r, const std::string& host);

// The board image as photographed (original frame) with each region's golden box mapped back onto
// it and labelled; a banner when registration failed.
cv::Mat annotate(const cv::Mat& board, const Result& r);

}  // namespace sg::inspect
