// Outside image bytes: every unusable input is an InputError naming the source and where.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "supplyguard/core/error.hpp"
#include "supplyguard/inspect/image_io.hpp"

namespace sg::inspect {
namespace {

std::vector<std::uint8_t> png_of(const cv::Mat& m) {
  std::vector<std::uint8_t> out;
  cv::imencode(".png", m, out);
  return out;
}

std::string error_of(const std::vector<std::uint8_t>& bytes, const ImageLimits& lim = {}) {
  try {
    decode_image(bytes, "x.png", lim);
  } catch (const core::InputError& e) {
    EXPECT_EQ(e.where().source, "x.png");
    return e.what();
  }
  return "";
}

const cv::Mat kImage(120, 160, CV_8UC3, cv::Scalar(10, 200, 30));

TEST(ImageIo, DecodesPngAndJpeg) {
  EXPECT_EQ(decode_image(png_of(kImage), "a.png").size(), kImage.size());
  std::vector<std::uint8_t> jpg;
  cv::imencode(".jpg", kImage, jpg);
  EXPECT_EQ(decode_image(jpg, "a.jpg").size(), kImage.size());
}

TEST(ImageIo, EmptyAndNonImageInput) {
  EXPECT_NE(error_of({}).find("empty"), std::string::npos);
  EXPECT_NE(error_of({'h', 'e', 'l', 'l', 'o'}).find("not a PNG or JPEG"), std::string::npos);
}

TEST(ImageIo, TruncatedPngAtEveryLengthIsAnErrorWithOffset) {
  const auto png = png_of(kImage);
  for (size_t n = 1; n < png.size(); n += std::max<size_t>(1, png.size() / 97)) {
    std::vector<std::uint8_t> cut(png.begin(), png.begin() + n);
    const std::string e = error_of(cut);
    EXPECT_NE(e.find("x.png"), std::string::npos) << n;
    EXPECT_FALSE(e.empty()) << "no error for PNG cut at " << n;
  }
  std::vector<std::uint8_t> cut(png.begin(), png.begin() + png.size() / 2);
  EXPECT_NE(error_of(cut).find("truncated PNG"), std::string::npos);
  EXPECT_NE(error_of(cut).find("byte"), std::string::npos);
}

TEST(ImageIo, CorruptPixelDataIsAnError) {
  auto png = png_of(kImage);
  // Smash the compressed data inside the first IDAT chunk, keeping the framing intact.
  for (size_t i = 8; i + 8 < png.size(); ++i)
    if (std::string(png.begin() + i, png.begin() + i + 4) == "IDAT") {
      for (size_t k = i + 4; k < i + 20 && k < png.size() - 12; ++k) png[k] ^= 0x5A;
      break;
    }
  EXPECT_FALSE(error_of(png).empty());
}

TEST(ImageIo, HugeDimensionsRejectedBeforeDecoding) {
  auto png = png_of(kImage);
  // Claim 100000 x 100000 in IHDR (bytes 16..23); the cap must stop it before any allocation.
  const std::uint8_t big[4] = {0x00, 0x01, 0x86, 0xA0};
  std::copy(big, big + 4, png.begin() + 16);
  std::copy(big, big + 4, png.begin() + 20);
  const std::string e = error_of(png);
  EXPECT_NE(e.find("100000x100000"), std::string::npos) << e;
  EXPECT_NE(e.find("cap"), std::string::npos) << e;
  ImageLimits small;
  small.max_pixels = 1000;
  EXPECT_NE(error_of(png_of(kImage), small).find("cap"), std::string::npos);
}

TEST(ImageIo, JpegCapNamesTheFrameHeaderOffset) {
  std::vector<std::uint8_t> jpg;
  cv::imencode(".jpg", kImage, jpg);
  ImageLimits small;
  small.max_pixels = 1000;
  try {
    decode_image(jpg, "x.jpg", small);
    FAIL();
  } catch (const core::InputError& e) {
    ASSERT_TRUE(e.where().offset.has_value());
    const auto at = *e.where().offset;  // points at the height field of the SOF segment
    EXPECT_EQ((std::uint64_t(jpg[at]) << 8) | jpg[at + 1], std::uint64_t(kImage.rows));
  }
  std::vector<std::uint8_t> cut(jpg.begin(), jpg.begin() + 40);
  EXPECT_FALSE(error_of(cut).empty());
}

TEST(ImageIo, TinyImagesRejected) {
  EXPECT_NE(error_of(png_of(cv::Mat(8, 8, CV_8UC3, cv::Scalar::all(0)))).find("too small"), std::string::npos);
}

TEST(ImageIo, MissingFileNamesThePath) {
  try {
    load_image("/nonexistent/board.png");
    FAIL();
  } catch (const core::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/board.png"), std::string::npos);
  }
}

}  // namespace
}  // namespace sg::inspect
