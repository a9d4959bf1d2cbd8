// Golden boards and planted variants (see board_gen.hpp). Plants are edits of the layout, so the
// ground-truth boxes are exact; pose and lighting are applied to the finished variant image.
#include "supplyguard/gen/board.hpp"

#include <set>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

#include "board_layout.hpp"

namespace sg::inspect {
namespace {

using detail::Layout;
using detail::PassiveType;

// Plants go where any pose within bounds keeps them in view.
bool central(const Layout& L, const cv::Rect& r) {
  return r.x > 0.14 * L.width && r.br().x < 0.86 * L.width && r.y > 0.14 * L.height && r.br().y < 0.86 * L.height;
}

cv::Rect grown(const cv::Rect& r, int g) { return {r.x - g, r.y - g, r.width + 2 * g, r.height + 2 * g}; }

void plant(Layout& L, PlantKind kind, const VariantSpec& v, cv::RNG& rng, std::set<size_t>& used_rows,
           Truth* truth) {
  const double u = L.unit;
  std::vector<size_t> candidates;
  for (size_t r = 0; r < L.rows.size(); ++r) {
    if (used_rows.count(r) || L.rows[r].size() < 2) continue;
    const cv::Rect first = L.passives[L.rows[r].front()].body, last = L.passives[L.rows[r].back()].body;
    if (central(L, first | last)) candidates.push_back(r);
  }
  if (candidates.empty()) throw std::runtime_error("board too small or too crowded for another plant");
  const size_t r = candidates[rng.uniform(0, static_cast<int>(candidates.size()))];
  used_rows.insert(r);
  const auto& row = L.rows[r];
  cv::Rect bbox;
  switch (kind) {
    case PlantKind::extra: {
      const int k = rng.uniform(0, static_cast<int>(row.size()) - 1);
      const detail::Passive& a = L.passives[row[k]];
      const detail::Passive& b = L.passives[row[k + 1]];
      const int small = std::max(2, static_cast<int>(std::lround(v.extra_w * u)));
      const int large = std::max(3, static_cast<int>(std::lround(v.extra_h * u)));
      if (a.vertical) {  // row runs left-right, parts stand upright: the gap is between them in x
        const int gap_x = a.body.br().x, gap_w = b.body.x - gap_x;
        const int slack = std::max(0, (gap_w - small) / 4);
        const int x = gap_x + (gap_w - small) / 2 + (slack ? rng.uniform(-slack, slack + 1) : 0);
        const int y = a.body.y + (a.body.height - large) / 2 + rng.uniform(-2, 3);
        bbox = cv::Rect(x, y, small, large);
      } else {
        const int gap_y = a.body.br().y, gap_h = b.body.y - gap_y;
        const int slack = std::max(0, (gap_h - small) / 4);
        const int y = gap_y + (gap_h - small) / 2 + (slack ? rng.uniform(-slack, slack + 1) : 0);
        const int x = a.body.x + (a.body.width - large) / 2 + rng.uniform(-2, 3);
        bbox = cv::Rect(x, y, large, small);
      }
      L.extras.push_back(bbox);
      break;
    }
    case PlantKind::missing: {
      detail::Passive& p = L.passives[row[rng.uniform(0, static_cast<int>(row.size()))]];
      p.removed = true;
      bbox = grown(p.body, std::max(1, static_cast<int>(std::lround(4 * u))));
      break;
    }
    case PlantKind::swapped: {
      detail::Passive& p = L.passives[row[rng.uniform(0, static_cast<int>(row.size()))]];
      p.type = p.type == PassiveType::resistor ? PassiveType::capacitor : PassiveType::resistor;
      bbox = p.body;
      break;
    }
  }
  if (truth) truth->plants.push_back({kind, bbox});
}

void check(const BoardSpec& s) {
  if (s.width < 400 || s.height < 300 || s.width > 16000 || s.height > 12000)
    throw std::invalid_argument("board size must be between 400x300 and 16000x12000");
}

}  // namespace

std::string_view to_string(PlantKind k) {
  switch (k) {
    case PlantKind::extra: return "extra";
    case PlantKind::missing: return "missing";
    case PlantKind::swapped: return "swapped";
  }
  return "?";
}

cv::Mat render_golden(const BoardSpec& spec) {
  check(spec);
  return detail::draw_layout(detail::build_layout(spec.seed, spec.width, spec.height));
}

cv::Mat render_variant(const BoardSpec& spec, const VariantSpec& v, Truth* truth) {
  check(spec);
  if (truth) *truth = Truth{spec, {}};
  Layout L = detail::build_layout(spec.seed, spec.width, spec.height);
  cv::RNG rng(v.variant_seed * 0xD1B54A32D192ED03ULL + 7);
  std::set<size_t> used_rows;
  for (PlantKind k : v.plants) plant(L, k, v, rng, used_rows, truth);
  cv::Mat img = detail::draw_layout(L);

  if (v.rotate_deg != 0.0 || v.scale != 1.0) {
    const cv::Mat m = cv::getRotationMatrix2D(cv::Point2f(img.cols / 2.0f, img.rows / 2.0f), v.rotate_deg, v.scale);
    cv::Mat posed;
    cv::warpAffine(img, posed, m, img.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(45, 45, 45));
    img = posed;
  }
  const cv::Scalar gain(v.brightness * v.white_balance[0], v.brightness * v.white_balance[1],
                        v.brightness * v.white_balance[2]);
  if (gain != cv::Scalar(1, 1, 1)) cv::multiply(img, gain, img);
  if (v.gradient != 0.0) {  // uneven light: a linear ramp of gain across the board
    const double a = v.gradient_angle_deg * CV_PI / 180.0, cx = img.cols / 2.0, cy = img.rows / 2.0;
    const double reach = std::abs(std::cos(a)) * cx + std::abs(std::sin(a)) * cy;
    cv::Mat gain(img.size(), CV_32F);
    for (int y = 0; y < img.rows; ++y) {
      float* row = gain.ptr<float>(y);
      for (int x = 0; x < img.cols; ++x)
        row[x] = static_cast<float>(1.0 + v.gradient * ((x - cx) * std::cos(a) + (y - cy) * std::sin(a)) / reach);
    }
    cv::Mat f;
    img.convertTo(f, CV_32FC3);
    cv::Mat gain3;
    cv::merge(std::vector<cv::Mat>{gain, gain, gain}, gain3);
    cv::multiply(f, gain3, f);
    f.convertTo(img, CV_8UC3);
  }
  if (v.blur) cv::GaussianBlur(img, img, cv::Size(0, 0), std::max(0.5, 1.2 * L.unit));
  if (v.noise) {
    cv::Mat n(img.size(), CV_16SC3);
    cv::RNG nrng(v.variant_seed ^ 0xA5A5A5A5ULL);
    nrng.fill(n, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(4));
    cv::Mat wide;
    img.convertTo(wide, CV_16SC3);
    wide += n;
    wide.convertTo(img, CV_8UC3);  // saturates
  }
  return img;
}

VariantSpec random_conditions(std::uint64_t seed, double max_rotate, double max_scale, double max_brightness) {
  cv::RNG rng(seed * 0x2545F4914F6CDD1DULL + 3);
  VariantSpec v;
  v.variant_seed = seed;
  v.rotate_deg = rng.uniform(-max_rotate, max_rotate);
  v.scale = 1.0 + rng.uniform(-max_scale, max_scale);
  v.brightness = 1.0 + rng.uniform(-max_brightness, max_brightness);
  for (double& g : v.white_balance) g = 1.0 + rng.uniform(-0.05, 0.05);
  v.blur = rng.uniform(0, 2) == 1;
  v.noise = true;
  // Light is rarely even: a ramp of up to +-10 % on top of the global change.
  v.gradient = rng.uniform(0.0, 0.1);
  v.gradient_angle_deg = rng.uniform(0.0, 360.0);
  return v;
}

nlohmann::ordered_json truth_to_json(const Truth& t) {
  nlohmann::ordered_json j;
  j["seed"] = t.board.seed;
  j["width"] = t.board.width;
  j["height"] = t.board.height;
  j["plants"] = nlohmann::ordered_json::array();
  for (const Plant& p : t.plants)
    j["plants"].push_back({{"kind", std::string(to_string(p.kind))},
                           {"bbox", {p.bbox.x, p.bbox.y, p.bbox.width, p.bbox.height}}});
  return j;
}

}  // namespace sg::inspect
