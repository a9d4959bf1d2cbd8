// The decode half of fuzz_image on its own: PNG/JPEG header walk, the pixel and size caps, then
// OpenCV's decode. fuzz_image runs both inspections after a successful decode, which costs tens
// of milliseconds an input (feature detection and matching on an image of at least 64x64), so
// it executes a few hundred inputs a second at best; this target spends its time in the parser
// of outside bytes and so reaches its corners far sooner. fuzz_image stays as it is.
#include <cstdint>
#include <span>

#include <opencv2/core.hpp>

#include "supplyguard/core/error.hpp"
#include "supplyguard/inspect/image_io.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool once = [] {
    cv::setNumThreads(1);
    return true;
  }();
  (void)once;
  sg::inspect::ImageLimits lim;
  lim.max_pixels = 1 << 16;  // 256x256: keeps a decode cheap; the cap logic is the same at any value
  try {
    const cv::Mat img = sg::inspect::decode_image(std::span<const std::uint8_t>(data, size), "fuzz", lim);
    // What decode_image promises: 8-bit BGR within the caps.
    if (img.type() != CV_8UC3 || img.cols < lim.min_side || img.rows < lim.min_side ||
        std::uint64_t(img.cols) * std::uint64_t(img.rows) > lim.max_pixels)
      __builtin_trap();
  } catch (const sg::core::InputError& e) {
    if (e.where().source != "fuzz") __builtin_trap();
  }
  return 0;
}
