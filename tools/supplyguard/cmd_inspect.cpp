#include <filesystem>

#include "command.hpp"
#include "supplyguard/inspect/image_io.hpp"
#include "supplyguard/inspect/inspect.hpp"

namespace sg::cli {

void add_inspect(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("inspect", "Compare a board image with its golden board");
  struct Args {
    std::string golden, board, annotate, mask, host;
    double min_area = 0;
    std::uint64_t max_pixels = inspect::ImageLimits{}.max_pixels;
  };
  auto args = std::make_shared<Args>();
  sub->add_option("--golden", args->golden, "Image of the golden (known-good) board, PNG or JPEG")->required();
  sub->add_option("--board", args->board, "Image of the board under inspection, PNG or JPEG")->required();
  sub->add_option("--annotate", args->annotate,
                  "Write the board photo (original frame) with findings boxed and labelled to this PNG");
  sub->add_option("--mask", args->mask,
                  "Image in golden coordinates (same size): white/non-zero pixels are NOT inspected (labels, stickers)");
  sub->add_option("--min-area", args->min_area,
                  "Smallest changed area to report, in golden pixels (default: 200 scaled to a 4000-px-wide golden)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--host", args->host, "Host/board id for findings (default: board file name without extension)");
  sub->add_option("--max-pixels", args->max_pixels, "Refuse images with more decoded pixels than this")
      ->check(CLI::PositiveNumber);
  sub->footer(
      "Findings: extra_component (high), missing_component, changed_component, registration_failed (medium);\n"
      "bbox [x,y,w,h] is in golden-image coordinates.\n"
      "Example:\n"
      "  supplyguard inspect --golden golden.png --board board.png --annotate marked.png --format table");
  sub->callback([&action, args] {
    action = [args](Output& out) {
      inspect::ImageLimits lim;
      lim.max_pixels = args->max_pixels;
      const cv::Mat golden = inspect::load_image(args->golden, lim);
      const cv::Mat board = inspect::load_image(args->board, lim);
      cv::Mat mask;
      if (!args->mask.empty()) mask = inspect::load_gray(args->mask, lim);
      inspect::Options opt;
      opt.min_area = args->min_area;
      opt.golden_name = args->golden;
      opt.board_name = args->board;
      opt.mask_name = args->mask;
      const inspect::Result result = inspect::inspect(golden, board, mask, opt);
      const std::string host = args->host.empty() ? std::filesystem::path(args->board).stem().string() : args->host;
      for (const auto& f : inspect::to_findings(result, host)) out.emit(f);
      if (!args->annotate.empty()) inspect::write_png(args->annotate, inspect::annotate(board, result));
      return core::kExitOk;
    };
  });
}

}  // namespace sg::cli
