// Image decoding with caps. OpenCV decoders do not expose the header before allocating, so the
// header is read here (PNG IHDR, JPEG SOFn) and checked against the cap first; OpenCV's own
// OPENCV_IO_MAX_IMAGE_PIXELS limit is set as a second line of defence.
#include "supplyguard/inspect/image_io.hpp"

#include <cstdlib>
#include <fstream>
#include <mutex>
#include <vector>

#include <fmt/format.h>
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/imgcodecs.hpp>

#include "supplyguard/core/error.hpp"

namespace sg::inspect {
namespace {

using core::InputError;

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}

struct Header {
  std::uint64_t width = 0, height = 0;
  std::uint64_t offset = 0;  // where the dimensions are in the file, for error messages
};

// Validates PNG framing: signature, IHDR first, every chunk inside the file, IEND present.
Header png_header(std::span<const std::uint8_t> b, const std::string& src) {
  if (b.size() < 33) throw InputError::at_offset(src, b.size(), "truncated PNG: no complete IHDR chunk");
  if (be32(b.data() + 8) != 13 || std::string_view(reinterpret_cast<const char*>(b.data() + 12), 4) != "IHDR")
    throw InputError::at_offset(src, 8, "PNG does not start with an IHDR chunk");
  Header h{be32(b.data() + 16), be32(b.data() + 20), 16};
  std::size_t off = 8;
  bool iend = false, idat = false;
  while (off + 12 <= b.size()) {
    const std::uint64_t len = be32(b.data() + off);
    const std::string_view type(reinterpret_cast<const char*>(b.data() + off + 4), 4);
    if (off + 12 + len > b.size())
      throw InputError::at_offset(src, off, fmt::format("truncated PNG: chunk {} of {} bytes runs past end of file ({} bytes)",
                                                        type, len, b.size()));
    if (type == "IDAT") idat = true;
    off += 12 + len;
    if (type == "IEND") {
      iend = true;
      break;
    }
  }
  if (!iend) throw InputError::at_offset(src, off, "truncated PNG: no IEND chunk");
  if (!idat) throw InputError::at_offset(src, 8, "PNG has no image data (IDAT)");
  return h;
}

// Scans JPEG markers up to the first start-of-frame to read its dimensions.
Header jpeg_header(std::span<const std::uint8_t> b, const std::string& src) {
  std::size_t off = 2;
  while (off + 4 <= b.size()) {
    if (b[off] != 0xFF) throw InputError::at_offset(src, off, "corrupt JPEG: expected a marker");
    const std::uint8_t m = b[off + 1];
    if (m == 0xFF) {  // fill byte
      ++off;
      continue;
    }
    const std::size_t len = (std::size_t(b[off + 2]) << 8) | b[off + 3];
    if (len < 2 || off + 2 + len > b.size())
      throw InputError::at_offset(src, off, "truncated JPEG: segment runs past end of file");
    const bool sof = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (sof) {
      if (len < 8) throw InputError::at_offset(src, off, "corrupt JPEG: short frame header");
      return Header{(std::uint64_t(b[off + 7]) << 8) | b[off + 8], (std::uint64_t(b[off + 5]) << 8) | b[off + 6], off + 5};
    }
    off += 2 + len;
  }
  throw InputError::at_offset(src, b.size(), "truncated JPEG: no frame header");
}

void quiet_opencv_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Decoder warnings ("libpng error: ...") would otherwise interleave with our own message.
    cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_SILENT);
    setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "100000000", 0);
  });
}

cv::Mat decode(std::span<const std::uint8_t> bytes, const std::string& src, const ImageLimits& lim, int flags) {
  quiet_opencv_once();
  if (bytes.empty()) throw InputError::at_offset(src, 0, "empty file");
  static const std::uint8_t kPng[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  Header h;
  if (bytes.size() >= 8 && std::equal(kPng, kPng + 8, bytes.begin())) {
    h = png_header(bytes, src);
  } else if (bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF) {
    h = jpeg_header(bytes, src);
  } else {
    throw InputError::at_offset(src, 0, "not a PNG or JPEG image");
  }
  if (h.width == 0 || h.height == 0)
    throw InputError::at_offset(src, h.offset, fmt::format("image has zero size ({}x{})", h.width, h.height));
  if (h.width * h.height > lim.max_pixels)
    throw InputError::at_offset(src, h.offset, fmt::format("image is {}x{} = {} pixels, over the {}-pixel cap",
                                                     h.width, h.height, h.width * h.height, lim.max_pixels));
  if (h.width < std::uint64_t(lim.min_side) || h.height < std::uint64_t(lim.min_side))
    throw InputError::at_offset(src, h.offset, fmt::format("image is {}x{}, too small to inspect (min {} px a side)",
                                                     h.width, h.height, lim.min_side));
  cv::Mat img;
  try {
    // imdecode wants a Mat header over the bytes; it does not modify them.
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8U, const_cast<std::uint8_t*>(bytes.data()));
    img = cv::imdecode(raw, flags);
  } catch (const cv::Exception& e) {
    throw InputError::in(src, std::string("cannot decode image: ") + e.err);
  }
  if (img.empty()) throw InputError::in(src, "cannot decode image data (corrupt or truncated)");
  if (std::uint64_t(img.cols) != h.width || std::uint64_t(img.rows) != h.height)
    throw InputError::in(src, "decoded size differs from header");
  return img;
}

std::vector<std::uint8_t> read_file(const std::string& path, const ImageLimits& lim) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw InputError::in(path, "cannot open file");
  const std::streamoff size = in.tellg();
  if (size < 0) throw InputError::in(path, "cannot read file (not a regular file?)");
  if (std::uint64_t(size) > lim.max_file_bytes)
    throw InputError::at_offset(path, lim.max_file_bytes, fmt::format("file is {} bytes, over the {}-byte cap", size, lim.max_file_bytes));
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size))
    throw InputError::at_offset(path, static_cast<std::uint64_t>(in.gcount()), "read error");
  return bytes;
}

}  // namespace

cv::Mat decode_image(std::span<const std::uint8_t> bytes, const std::string& source, const ImageLimits& limits) {
  return decode(bytes, source, limits, cv::IMREAD_COLOR);
}

cv::Mat load_image(const std::string& path, const ImageLimits& limits) {
  const auto bytes = read_file(path, limits);
  return decode(bytes, path, limits, cv::IMREAD_COLOR);
}

cv::Mat load_gray(const std::string& path, const ImageLimits& limits) {
  const auto bytes = read_file(path, limits);
  return decode(bytes, path, limits, cv::IMREAD_GRAYSCALE);
}

void write_png(const std::string& path, const cv::Mat& img) {
  // Encoded explicitly as PNG so the output name need not end in ".png".
  std::vector<std::uint8_t> png;
  try {
    if (!cv::imencode(".png", img, png, {cv::IMWRITE_PNG_COMPRESSION, 1})) png.clear();
  } catch (const cv::Exception& e) {
    throw std::runtime_error(path + ": cannot encode image: " + e.err);
  }
  if (png.empty()) throw std::runtime_error(path + ": cannot encode image");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out || !out.write(reinterpret_cast<const char*>(png.data()), static_cast<std::streamsize>(png.size())))
    throw std::runtime_error(path + ": cannot write file");
}

}  // namespace sg::inspect
