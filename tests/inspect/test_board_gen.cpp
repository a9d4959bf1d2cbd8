// The generator is part of the product (tests, demo, bench depend on its truth being exact).
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "supplyguard/gen/board.hpp"

namespace sg::inspect {
namespace {

cv::Mat changed_pixels(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat d, grey;
  cv::absdiff(a, b, d);
  cv::cvtColor(d, grey, cv::COLOR_BGR2GRAY);
  return grey > 0;
}

TEST(BoardGen, SameSeedSameImageDifferentSeedDifferentBoard) {
  const cv::Mat a = render_golden({3, 800, 600});
  const cv::Mat b = render_golden({3, 800, 600});
  const cv::Mat c = render_golden({4, 800, 600});
  ASSERT_EQ(a.size(), cv::Size(800, 600));
  EXPECT_EQ(cv::countNonZero(changed_pixels(a, b)), 0);
  EXPECT_GT(cv::countNonZero(changed_pixels(a, c)), 800 * 600 / 10);
}

TEST(BoardGen, PlantsChangeOnlyInsideTheirTruthBoxes) {
  const BoardSpec spec{5, 2000, 1500};
  VariantSpec v;
  v.variant_seed = 9;
  v.plants = {PlantKind::extra, PlantKind::missing, PlantKind::swapped};
  Truth t;
  const cv::Mat variant = render_variant(spec, v, &t);
  ASSERT_EQ(t.plants.size(), 3u);
  cv::Mat changed = changed_pixels(render_golden(spec), variant);
  for (const Plant& p : t.plants) {
    EXPECT_GT(cv::countNonZero(changed(p.bbox)), p.bbox.area() / 4) << to_string(p.kind);
    changed(p.bbox).setTo(0);
  }
  EXPECT_EQ(cv::countNonZero(changed), 0) << "pixels changed outside the truth boxes";
  // The tiny extra part is 20x40 at 4000 px width: 10x20 here.
  EXPECT_EQ(std::min(t.plants[0].bbox.width, t.plants[0].bbox.height), 10);
  EXPECT_EQ(std::max(t.plants[0].bbox.width, t.plants[0].bbox.height), 20);
}

TEST(BoardGen, ExtraPartSitsBetweenTwoPassivesOnBareBoard) {
  const BoardSpec spec{6, 4000, 3000};
  VariantSpec v;
  v.variant_seed = 2;
  v.plants = {PlantKind::extra};
  Truth t;
  render_variant(spec, v, &t);
  ASSERT_EQ(t.plants.size(), 1u);
  const cv::Rect b = t.plants[0].bbox;
  EXPECT_EQ(b.area(), 20 * 40);
  // In the golden image the spot is bare solder mask: dark green, not a part.
  const cv::Mat golden = render_golden(spec);
  const cv::Scalar mean = cv::mean(golden(b));
  EXPECT_GT(mean[1], mean[0] + 20);
  EXPECT_GT(mean[1], mean[2] + 20);
}

TEST(BoardGen, TruthJsonListsPlantsInGoldenCoordinates) {
  VariantSpec v;
  v.plants = {PlantKind::missing};
  v.rotate_deg = 4;
  Truth t;
  render_variant({8, 1000, 750}, v, &t);
  const auto j = truth_to_json(t);
  EXPECT_EQ(j["width"], 1000);
  ASSERT_EQ(j["plants"].size(), 1u);
  EXPECT_EQ(j["plants"][0]["kind"], "missing");
  EXPECT_EQ(j["plants"][0]["bbox"][0], t.plants[0].bbox.x);
}

}  // namespace
}  // namespace sg::inspect
