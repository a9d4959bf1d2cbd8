// supplyguard-gen board: golden board images and planted variants with ground truth (the
// rendering itself lives in lib/gen, supplyguard/gen/board.hpp, so tests call it directly).
#include <fstream>
#include <iostream>
#include <memory>

#include "gen.hpp"
#include "supplyguard/gen/board.hpp"
#include "supplyguard/inspect/image_io.hpp"

namespace sg::gen {

void add_board(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("board", "Render a synthetic server board (golden) or a planted variant with truth");
  struct Args {
    inspect::BoardSpec board;
    std::optional<std::uint64_t> variant_seed;
    std::string out, truth;
    std::vector<std::string> plants;
    inspect::VariantSpec v;
    double wb = 0;
    bool random_pose = false;
  };
  auto a = std::make_shared<Args>();
  sub->add_option("--seed", a->board.seed, "Board design seed (same seed: same golden board)")->required();
  sub->add_option("-o,--out", a->out, "Output PNG")->required();
  sub->add_option("--width", a->board.width, "Image width (default 4000)")->check(CLI::Range(400, 16000));
  sub->add_option("--height", a->board.height, "Image height (default 3000)")->check(CLI::Range(300, 12000));
  sub->add_option("--variant-seed", a->variant_seed, "Render a variant of the board (plant positions, noise)");
  sub->add_option("--truth", a->truth, "Write ground truth JSON (plants' bbox in golden coordinates)");
  sub->add_option("--plant", a->plants, "Plant a change: extra (tiny part between two passives), missing, swapped")
      ->check(CLI::IsMember({"extra", "missing", "swapped"}));
  sub->add_option("--rotate", a->v.rotate_deg, "Rotate by DEG about the centre")->check(CLI::Range(-45.0, 45.0));
  sub->add_option("--scale", a->v.scale, "Scale factor (0.95 = 5 % smaller)")->check(CLI::Range(0.5, 2.0));
  sub->add_option("--brightness", a->v.brightness, "Brightness gain (1.2 = +20 %)")->check(CLI::Range(0.3, 3.0));
  sub->add_option("--white-balance", a->wb, "Shift white balance: blue gain 1+W, red gain 1-W")->check(CLI::Range(-0.3, 0.3));
  sub->add_option("--gradient", a->v.gradient, "Uneven light: gain ramps +-G across the board (0.1 = +-10 %)")
      ->check(CLI::Range(0.0, 0.5));
  sub->add_option("--gradient-angle", a->v.gradient_angle_deg, "Direction of the light ramp, degrees");
  sub->add_flag("--blur", a->v.blur, "Mild Gaussian blur");
  sub->add_flag("--noise", a->v.noise, "Sensor noise");
  sub->add_flag("--random-conditions", a->random_pose,
                "Random pose and lighting within +-5 deg, +-5 % scale, +-20 % brightness (from the variant seed)");
  sub->add_option("--extra-size", a->v.extra_h, "Long side of a planted extra part at 4000 px width (default 40; short side is half)")
      ->check(CLI::Range(4.0, 200.0));
  sub->footer(
      "Examples:\n"
      "  supplyguard-gen board --seed 7 -o golden.png\n"
      "  supplyguard-gen board --seed 7 --variant-seed 1 --plant extra --rotate 3 --brightness 1.15 --noise \\\n"
      "      -o board.png --truth truth.json");
  sub->callback([&action, a] {
    action = [a] {
      if (!a->variant_seed && (!a->plants.empty() || !a->truth.empty() || a->random_pose))
        throw std::invalid_argument("--plant, --truth and --random-conditions need --variant-seed");
      cv::Mat img;
      if (!a->variant_seed) {
        img = inspect::render_golden(a->board);
      } else {
        inspect::VariantSpec v = a->v;
        if (a->random_pose) {
          const auto r = inspect::random_conditions(*a->variant_seed);
          v.rotate_deg = r.rotate_deg;
          v.scale = r.scale;
          v.brightness = r.brightness;
          v.white_balance = r.white_balance;
          v.blur = r.blur;
          v.gradient = a->v.gradient ? a->v.gradient : r.gradient;
          v.gradient_angle_deg = r.gradient_angle_deg;
          v.noise = true;
        } else {
          v.white_balance = {1.0 + a->wb, 1.0, 1.0 - a->wb};
        }
        v.extra_w = v.extra_h / 2.0;
        v.variant_seed = *a->variant_seed;
        for (const auto& p : a->plants)
          v.plants.push_back(p == "extra" ? inspect::PlantKind::extra
                             : p == "missing" ? inspect::PlantKind::missing
                                              : inspect::PlantKind::swapped);
        inspect::Truth truth;
        img = inspect::render_variant(a->board, v, &truth);
        if (!a->truth.empty()) {
          auto j = inspect::truth_to_json(truth);
          j["variant"] = {{"variant_seed", v.variant_seed}, {"rotate_deg", v.rotate_deg}, {"scale", v.scale},
                          {"brightness", v.brightness}, {"white_balance", v.white_balance},
                          {"gradient", v.gradient}, {"gradient_angle_deg", v.gradient_angle_deg},
                          {"blur", v.blur}, {"noise", v.noise}};
          std::ofstream out(a->truth);
          if (!(out << j.dump(2) << "\n")) throw std::runtime_error(a->truth + ": cannot write");
        }
      }
      inspect::write_png(a->out, img);
      return 0;
    };
  });
}

}  // namespace sg::gen
