// Board photos come from outside: any byte string must either decode within the caps or raise
// InputError, never crash or allocate without bound. What decodes is inspected against itself
// and against a shifted copy, exercising registration and the difference stages on odd pixels.
#include <cstdint>
#include <span>

#include <opencv2/core.hpp>

#include "supplyguard/core/error.hpp"
#include "supplyguard/inspect/image_io.hpp"
#include "supplyguard/inspect/inspect.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool once = [] {
    cv::setNumThreads(1);
    return true;
  }();
  (void)once;
  sg::inspect::ImageLimits lim;
  lim.max_pixels = 1 << 20;  // keep each run small; the cap logic is the same at any value
  try {
    const cv::Mat img = sg::inspect::decode_image(std::span<const std::uint8_t>(data, size), "fuzz", lim);
    const auto same = sg::inspect::inspect(img, img);
    (void)sg::inspect::to_findings(same, "fuzz");
    cv::Mat shifted;
    cv::Mat(img, cv::Rect(1, 1, img.cols - 1, img.rows - 1)).copyTo(shifted);
    const auto other = sg::inspect::inspect(img, shifted);
    (void)sg::inspect::annotate(shifted, other);
  } catch (const sg::core::InputError&) {
  }
  return 0;
}
