#pragma once
// Reading board photos from outside: the only place raw bytes become pixels. Checks the header's
// dimensions against a pixel cap BEFORE decoding, walks the PNG chunk structure so a truncated
// file is reported at its byte offset, and throws sg::core::InputError on anything unusable.
#include <cstdint>
#include <span>
#include <string>

#include <opencv2/core.hpp>

namespace sg::inspect {

struct ImageLimits {
  std::uint64_t max_pixels = 64'000'000;       // decoded width*height cap (64 MP = 192 MB BGR)
  std::uint64_t max_file_bytes = 512ull << 20;  // refuse to even read bigger files
  int min_side = 64;                            // smaller than this cannot be inspected
};

// Decodes PNG or JPEG bytes to 8-bit BGR. `source` names the input in errors.
cv::Mat decode_image(std::span<const std::uint8_t> bytes, const std::string& source, const ImageLimits& limits = {});
cv::Mat load_image(const std::string& path, const ImageLimits& limits = {});
// Single-channel 8-bit (for masks), same checks.
cv::Mat load_gray(const std::string& path, const ImageLimits& limits = {});

// Writes PNG; throws std::runtime_error naming the path on failure.
void write_png(const std::string& path, const cv::Mat& img);

}  // namespace sg::inspect
