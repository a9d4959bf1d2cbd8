#pragma once
// Internal: aligns a board photo to its golden image.
#include <opencv2/core.hpp>

#include "supplyguard/inspect/inspect.hpp"

namespace sg::inspect::detail {

// golden_small / board_small: grayscale copies at most ~1000 px on the long side;
// scales: small px per full-resolution px of each image.
Registration register_board(const cv::Mat& golden_small, double golden_scale, const cv::Mat& board_small,
                            double board_scale, const Options& opt);

}  // namespace sg::inspect::detail
