// The pipeline on generated pairs: nothing on pose/lighting-only variants, removed and swapped
// parts found and classified, registration_failed on images of other boards or of nothing,
// masked regions ignored, findings and annotation shaped as documented.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "helpers.hpp"
#include "supplyguard/core/error.hpp"

namespace sg::inspect {
namespace {

constexpr int kW = 2000, kH = 1500;

TEST(InspectPipeline, NoFindingOnPoseAndLightingOnlyVariants) {
  for (std::uint64_t seed : {21u, 22u, 23u, 24u}) {
    const BoardSpec spec{seed, kW, kH};
    VariantSpec v = random_conditions(seed * 7);
    const Result r = inspect(render_golden(spec), render_variant(spec, v, nullptr));
    ASSERT_TRUE(r.registration.ok) << r.registration.reason;
    EXPECT_TRUE(r.regions.empty()) << "seed " << seed << ": " << r.regions.size() << " findings, first at "
                                   << r.regions[0].bbox;
  }
}

TEST(InspectPipeline, ExtremePoseAndLightingWithinBounds) {
  const BoardSpec spec{31, kW, kH};
  for (double sign : {-1.0, 1.0}) {
    VariantSpec v;
    v.rotate_deg = 5 * sign;
    v.scale = 1 + 0.05 * sign;
    v.brightness = 1 + 0.2 * sign;
    v.blur = v.noise = true;
    v.plants = {PlantKind::extra};
    Truth t;
    const Result r = inspect(render_golden(spec), render_variant(spec, v, &t));
    ASSERT_TRUE(r.registration.ok) << r.registration.reason;
    const auto s = test::score(r, t);
    EXPECT_EQ(s.found_right_kind, 1) << "sign " << sign;
    EXPECT_EQ(s.false_positives, 0) << "sign " << sign;
  }
}

TEST(InspectPipeline, UnevenLightIsNormalisedLocally) {
  const BoardSpec spec{33, kW, kH};
  for (double angle : {0.0, 135.0}) {
    VariantSpec v;
    v.rotate_deg = 2;
    v.brightness = 0.85;
    v.gradient = 0.3;  // +-30 % from one side of the board to the other
    v.gradient_angle_deg = angle;
    v.noise = true;
    v.plants = {PlantKind::extra};
    Truth t;
    const Result r = inspect(render_golden(spec), render_variant(spec, v, &t));
    ASSERT_TRUE(r.registration.ok) << r.registration.reason;
    const auto s = test::score(r, t);
    EXPECT_EQ(s.found_right_kind, 1) << "angle " << angle;
    EXPECT_EQ(s.false_positives, 0) << "angle " << angle;
  }
}

TEST(InspectPipeline, MissingAndSwappedPartsFoundAndClassified) {
  int plants = 0, found = 0, right = 0, fp = 0;
  for (std::uint64_t seed : {41u, 42u, 43u, 44u, 45u}) {
    const BoardSpec spec{seed, kW, kH};
    VariantSpec v = random_conditions(seed);
    v.plants = {PlantKind::missing, PlantKind::swapped};
    Truth t;
    const Result r = inspect(render_golden(spec), render_variant(spec, v, &t));
    ASSERT_TRUE(r.registration.ok);
    const auto s = test::score(r, t);
    plants += s.plants;
    found += s.found;
    right += s.found_right_kind;
    fp += s.false_positives;
  }
  EXPECT_EQ(found, plants);
  EXPECT_GE(right, plants - 1) << "classified right: " << right << "/" << plants;
  EXPECT_LE(fp, 2);
}

TEST(InspectPipeline, RegistrationFailsOnAnotherBoard) {
  const Result r = inspect(render_golden({51, kW, kH}), render_golden({52, kW, kH}));
  EXPECT_FALSE(r.registration.ok);
  EXPECT_FALSE(r.registration.reason.empty());
  const auto f = to_findings(r, "rack7-u12");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].type, "registration_failed");
  EXPECT_EQ(f[0].severity, core::Severity::medium);
  EXPECT_EQ(f[0].host, "rack7-u12");
  EXPECT_EQ(f[0].fields["reason"], r.registration.reason);
}

TEST(InspectPipeline, RegistrationFailsOnNoiseAndOnBlankImages) {
  const cv::Mat golden = render_golden({53, kW, kH});
  cv::Mat noise(kH, kW, CV_8UC3);
  cv::RNG(1).fill(noise, cv::RNG::UNIFORM, 0, 256);
  cv::Mat blank(kH, kW, CV_8UC3, cv::Scalar(40, 90, 30));
  for (const cv::Mat& other : {noise, blank}) {
    const Result r = inspect(golden, other);
    EXPECT_FALSE(r.registration.ok);
    EXPECT_TRUE(r.regions.empty());
  }
}

TEST(InspectPipeline, MaskExcludesRegions) {
  const BoardSpec spec{61, kW, kH};
  VariantSpec v;
  v.plants = {PlantKind::extra};
  Truth t;
  const cv::Mat golden = render_golden(spec), board = render_variant(spec, v, &t);
  ASSERT_EQ(inspect(golden, board).regions.size(), 1u);
  cv::Mat mask(golden.size(), CV_8U, cv::Scalar(0));
  const cv::Rect b = t.plants[0].bbox;
  mask(cv::Rect(b.x - 20, b.y - 20, b.width + 40, b.height + 40)).setTo(255);
  EXPECT_TRUE(inspect(golden, board, mask).regions.empty());
}

TEST(InspectPipeline, GreyGoldenAgainstColourBoard) {
  const BoardSpec spec{65, kW, kH};
  VariantSpec v;
  v.plants = {PlantKind::extra};
  Truth t;
  cv::Mat grey;
  cv::cvtColor(render_golden(spec), grey, cv::COLOR_BGR2GRAY);
  cv::Mat board_grey;
  cv::cvtColor(render_variant(spec, v, &t), board_grey, cv::COLOR_BGR2GRAY);
  const Result r = inspect(grey, board_grey);
  ASSERT_TRUE(r.registration.ok) << r.registration.reason;
  EXPECT_EQ(test::score(r, t).found, 1);
}

TEST(InspectPipeline, MismatchedInputsAreInputErrors) {
  const cv::Mat golden = render_golden({62, kW, kH});
  Options o;
  o.board_name = "small.png";
  EXPECT_THROW(inspect(golden, cv::Mat(300, 400, CV_8UC3, cv::Scalar::all(0)), {}, o), core::InputError);
  EXPECT_THROW(inspect(golden, cv::Mat(kH, kW * 3 / 2, CV_8UC3, cv::Scalar::all(0))), core::InputError);
  EXPECT_THROW(inspect(golden, golden, cv::Mat(10, 10, CV_8U, cv::Scalar(0))), core::InputError);
}

TEST(InspectPipeline, FindingsCarryBoxInGoldenCoordinatesAndSeverity) {
  const BoardSpec spec{63, kW, kH};
  VariantSpec v;
  v.rotate_deg = 3;
  v.plants = {PlantKind::extra};
  Truth t;
  const Result r = inspect(render_golden(spec), render_variant(spec, v, &t));
  const auto f = to_findings(r, "b1");
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].type, "extra_component");
  EXPECT_EQ(f[0].plane, core::Plane::inspect);
  EXPECT_EQ(f[0].severity, core::Severity::high);
  const auto& bbox = f[0].fields["bbox"];
  const cv::Rect got(bbox[0], bbox[1], bbox[2], bbox[3]);
  EXPECT_TRUE(test::hits(got, t.plants[0].bbox));
  EXPECT_EQ(f[0].subject, "region " + std::to_string(got.x) + "," + std::to_string(got.y) + " " +
                              std::to_string(got.width) + "x" + std::to_string(got.height));
  EXPECT_GT(f[0].fields["area"].get<double>(), 0);
  EXPECT_GT(f[0].fields["contrast"].get<double>(), 28);
  EXPECT_GT(f[0].score, 0.5);
}

TEST(InspectPipeline, AnnotationDrawsBoxesOnTheBoardPhoto) {
  const BoardSpec spec{64, kW, kH};
  VariantSpec v;
  v.rotate_deg = -2;
  v.plants = {PlantKind::extra};
  Truth t;
  const cv::Mat board = render_variant(spec, v, &t);
  const Result r = inspect(render_golden(spec), board);
  ASSERT_EQ(r.regions.size(), 1u);
  const cv::Mat out = annotate(board, r);
  ASSERT_EQ(out.size(), board.size());
  // Red box pixels (extra) appear near the part's position in the photo.
  cv::Mat red;
  cv::inRange(out, cv::Scalar(0, 0, 200), cv::Scalar(60, 60, 255), red);
  std::vector<cv::Point2d> c = {{t.plants[0].bbox.x + t.plants[0].bbox.width / 2.0, t.plants[0].bbox.y + t.plants[0].bbox.height / 2.0}}, m;
  cv::perspectiveTransform(c, m, cv::Mat(r.registration.board_to_golden.inv()));
  const cv::Rect near(cvRound(m[0].x) - 60, cvRound(m[0].y) - 60, 120, 120);
  EXPECT_GT(cv::countNonZero(red(near & cv::Rect(0, 0, board.cols, board.rows))), 40);
  EXPECT_EQ(cv::countNonZero(red), cv::countNonZero(red(cv::Rect(0, 0, board.cols, board.rows))));
}

}  // namespace
}  // namespace sg::inspect
