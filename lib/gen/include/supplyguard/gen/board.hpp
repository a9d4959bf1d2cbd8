#pragma once
// Synthetic server-board images with ground truth, for tests, demos and benchmarks.
//
// A golden board is a pure function of (seed, width, height): solder mask, traces, ICs with pins
// and markings, passives in rows, connectors, mounting holes, silkscreen. A variant re-renders
// the same golden board, plants changes (an extra tiny part between two passives, a removed
// part, a swapped part), then applies pose (rotation, scale) and lighting (brightness, white
// balance, blur, noise). Every plant's bounding box is reported in golden coordinates.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>

namespace sg::inspect {

enum class PlantKind { extra, missing, swapped };
std::string_view to_string(PlantKind k);

struct BoardSpec {
  std::uint64_t seed = 1;
  int width = 4000;
  int height = 3000;
};

struct VariantSpec {
  std::uint64_t variant_seed = 1;     // picks plant positions, noise
  std::vector<PlantKind> plants;      // in order; each lands on a different part/gap
  double rotate_deg = 0.0;            // about the image centre
  double scale = 1.0;
  double brightness = 1.0;            // global gain (1.2 = +20 %)
  std::array<double, 3> white_balance{1.0, 1.0, 1.0};  // per-channel gain (B, G, R)
  double gradient = 0.0;              // uneven light: linear ramp +-G across the board (0.1 = +-10 %)
  double gradient_angle_deg = 0.0;    // direction of the ramp
  bool blur = false;                  // Gaussian, sigma ~1 px at 4000 px width
  bool noise = false;                 // Gaussian sensor noise, sigma ~4 grey levels
  double extra_w = 20.0, extra_h = 40.0;  // tiny extra part size at 4000 px width (scaled)
};

struct Plant {
  PlantKind kind;
  cv::Rect bbox;  // golden coordinates
};

struct Truth {
  BoardSpec board;
  std::vector<Plant> plants;
};

// Deterministic: the same spec gives the same pixels.
cv::Mat render_golden(const BoardSpec& spec);
cv::Mat render_variant(const BoardSpec& spec, const VariantSpec& variant, Truth* truth);

// Random pose/lighting inside the bounds the inspector must hold under (rotation +-5 deg,
// scale +-5 %, brightness +-20 %, white balance +-5 %, uneven light up to +-10 % across the board,
// mild blur on half of them, noise), from a seed.
VariantSpec random_conditions(std::uint64_t seed, double max_rotate = 5.0, double max_scale = 0.05,
                              double max_brightness = 0.2);

nlohmann::ordered_json truth_to_json(const Truth& t);

}  // namespace sg::inspect
