// The bar, at test scale: >= 50 generated pairs with a tiny extra part each, random pose
// and lighting within bounds (+-5 deg, +-5 % scale, +-20 % brightness, white balance, blur, noise).
// Boards are 2000x1500 with the part scaled to the same relative size as 20x40 on 4000x3000
// (10x20 px), which is exactly what the inspector sees at full size: it works on a copy at most
// 2000 px wide. The full-size 4000x3000 evaluation is bench/inspect/run.sh.
#include <gtest/gtest.h>

#include "helpers.hpp"

namespace sg::inspect {
namespace {

constexpr int kPairs = 50;
constexpr int kGoldens = 10;  // 5 variants of each board design

TEST(InspectRecall, TinyExtraPartsUnderPoseAndLighting) {
  int plants = 0, found = 0, fp = 0;
  std::vector<std::string> misses;
  for (int g = 0; g < kGoldens; ++g) {
    const BoardSpec spec{static_cast<std::uint64_t>(100 + g), 2000, 1500};
    const cv::Mat golden = render_golden(spec);
    for (int v = 0; v < kPairs / kGoldens; ++v) {
      VariantSpec var = random_conditions(1000 + g * 10 + v);
      var.plants = {PlantKind::extra};
      Truth truth;
      const cv::Mat board = render_variant(spec, var, &truth);
      const Result r = inspect(golden, board);
      ASSERT_TRUE(r.registration.ok) << "seed " << spec.seed << ": " << r.registration.reason;
      const auto s = test::score(r, truth);
      plants += s.plants;
      found += s.found_right_kind;
      fp += s.false_positives;
      if (s.found_right_kind < s.plants) misses.push_back(std::to_string(spec.seed) + "/" + std::to_string(var.variant_seed));
    }
  }
  const double recall = double(found) / plants;
  const double fp_per_board = double(fp) / kPairs;
  RecordProperty("recall", std::to_string(recall));
  RecordProperty("fp_per_board", std::to_string(fp_per_board));
  std::string missed;
  for (const auto& m : misses) missed += m + " ";
  std::cout << "recall " << recall << " (" << found << "/" << plants << "), false positives per board " << fp_per_board
            << (missed.empty() ? "" : ", missed seeds: " + missed) << "\n";
  EXPECT_GE(recall, 0.95) << "missed: " << missed;
  EXPECT_LE(fp_per_board, 1.0);
}

}  // namespace
}  // namespace sg::inspect
