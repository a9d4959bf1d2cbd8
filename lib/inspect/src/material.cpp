// Binarised scans: per-direction, shift-tolerant material difference (see material.hpp).
#include "material.hpp"

#include <opencv2/imgproc.hpp>

namespace sg::inspect::detail {

bool is_binary(const cv::Mat& grey) {
  // Sparse sample: share of pixels in the grey band between the two levels.
  std::size_t n = 0, mid = 0;
  for (int y = 0; y < grey.rows; y += 3) {
    const auto* p = grey.ptr<std::uint8_t>(y);
    for (int x = 0; x < grey.cols; x += 3) {
      ++n;
      mid += p[x] > 48 && p[x] < 208;
    }
  }
  return n > 0 && mid * 100 < n * 6;
}

MaterialDifference material_difference(const cv::Mat& golden, const cv::Mat& board, const cv::Mat& valid, int tolerance,
                                       bool material_dark) {
  const cv::Mat g = material_dark ? golden < 128 : golden > 127, b = material_dark ? board < 128 : board > 127;
  const cv::Mat ng = ~g, nb = ~b;
  // A pixel that changed level counts when one of the two images holds its own level for
  // `tolerance` px all around it: a strip left by an edge that moved by <= tolerance has the
  // other level within reach in both images, a hole in the middle of a pad does not.
  const cv::Mat deep = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(2 * tolerance + 1, 2 * tolerance + 1));
  cv::Mat g_in, ng_in, b_in, nb_in;
  cv::erode(g, g_in, deep);
  cv::erode(ng, ng_in, deep);
  cv::erode(b, b_in, deep);
  cv::erode(nb, nb_in, deep);
  MaterialDifference d;
  d.added = b & ng & (ng_in | b_in) & valid;
  d.removed = g & nb & (g_in | nb_in) & valid;
  return d;
}

}  // namespace sg::inspect::detail
