#pragma once
// Internal: the comparison for binarised scans (AOI images, DeepPCB): material (copper) is one
// level, bare laminate the other (DeepPCB: copper black), and there is no colour to tell a part from the board. What
// matters is which image has the material, so the difference is taken per direction, each
// tolerant of a small shift of the edges.
#include <opencv2/core.hpp>

namespace sg::inspect::detail {

// True when nearly every pixel of the grey image is near black or near white (JPEG ringing
// at edges allowed): a binarised scan.
bool is_binary(const cv::Mat& grey);

struct MaterialDifference {
  cv::Mat added;    // material on the board where the golden image is bare
  cv::Mat removed;  // golden material where the board is bare
};

// golden, board: aligned grey images of one size; valid: pixels to compare. Edges that moved
// by up to `tolerance` px (residual misregistration, binarisation jitter) leave nothing; a spur,
// short or speck of copper longer than that shows up in `added`, an open, bite or pin hole in
// `removed`.
MaterialDifference material_difference(const cv::Mat& golden, const cv::Mat& board, const cv::Mat& valid, int tolerance,
                                       bool material_dark);

}  // namespace sg::inspect::detail
