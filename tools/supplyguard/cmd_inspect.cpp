#include <malloc.h>

#include <filesystem>
#include <iostream>

#include "command.hpp"
#include "supplyguard/inspect/batch.hpp"
#include "supplyguard/inspect/image_io.hpp"
#include "supplyguard/inspect/inspect.hpp"

namespace sg::cli {

void add_inspect(CLI::App& app, Action& action) {
  auto* sub = app.add_subcommand("inspect", "Compare a board image with its golden board");
  struct Args {
    std::string golden, annotate, mask, host, pairs, copper = "black";
    std::vector<std::string> boards;
    double min_area = 0;
    unsigned threads = 0;
    std::uint64_t max_pixels = inspect::ImageLimits{}.max_pixels;
  };
  auto args = std::make_shared<Args>();
  auto* golden = sub->add_option("--golden", args->golden, "Image of the golden (known-good) board, PNG or JPEG");
  auto* board = sub->add_option("--board", args->boards,
                                "Image(s) of the board(s) under inspection, PNG or JPEG; several: one batch against --golden")
                    ->expected(1, -1);
  auto* pairs = sub->add_option("--pairs", args->pairs,
                                "Batch file: one pair per line, GOLDEN<TAB>BOARD[<TAB>HOST] ('#' comments, blank lines skipped)");
  golden->needs(board);
  board->needs(golden);
  pairs->excludes(golden)->excludes(board);
  auto* annotate = sub->add_option("--annotate", args->annotate,
                  "Write the board photo (original frame) with findings boxed and labelled to this PNG (one board only)");
  auto* mask = sub->add_option("--mask", args->mask,
                  "Image in golden coordinates (same size): white/non-zero pixels are NOT inspected (labels, stickers)");
  sub->add_option("--min-area", args->min_area,
                  "Smallest changed area to report, in golden pixels (default: 200 scaled to a 4000-px-wide golden)")
      ->check(CLI::NonNegativeNumber);
  auto* host = sub->add_option("--host", args->host,
                               "Host/board id for findings (default: board file name without extension; one board only)");
  sub->add_option("--copper", args->copper,
                  "Binarised scans only: which level is copper, black (DeepPCB) or white")
      ->check(CLI::IsMember({"black", "white"}));
  sub->add_option("--threads", args->threads, "Batch: worker threads decoding and inspecting (default: all cores)");
  sub->add_option("--max-pixels", args->max_pixels, "Refuse images with more decoded pixels than this")
      ->check(CLI::PositiveNumber);
  pairs->excludes(annotate)->excludes(mask)->excludes(host);
  sub->footer(
      "Findings: extra_component (high), missing_component, changed_component, registration_failed (medium);\n"
      "bbox [x,y,w,h] is in golden-image coordinates.\n"
      "Batch (--pairs FILE, or --golden G --board B1 B2 ...): one process, pairs decoded and inspected on all\n"
      "cores, findings streamed per board in input order with its host; a pair that cannot be read is\n"
      "reported on stderr naming its line and the rest go on; exit 2 at the end if any could not.\n"
      "Example:\n"
      "  supplyguard inspect --golden golden.png --board board.png --annotate marked.png --format table\n"
      "  supplyguard inspect --pairs batch.tsv --fail-on high");
  sub->callback([&action, args] {
    action = [args](Output& out) {
      if (args->pairs.empty() && args->boards.empty())
        throw core::InputError::in("inspect", "give --golden G --board B [B ...] or --pairs FILE (see --help)");
      if (args->boards.size() > 1 && (!args->annotate.empty() || !args->mask.empty() || !args->host.empty()))
        throw core::InputError::in("inspect", "--annotate, --mask and --host apply to one board; use --pairs for hosts");
      // Image buffers are freed and re-allocated per pair: keep them in the heap rather than
      // returning them to the kernel (on a VM the page faults cost more than the comparison).
      mallopt(M_MMAP_THRESHOLD, 32 << 20);
      mallopt(M_TRIM_THRESHOLD, 256 << 20);
      inspect::ImageLimits lim;
      lim.max_pixels = args->max_pixels;
      inspect::Options opt;
      opt.min_area = args->min_area;
      opt.material_dark = args->copper == "black";

      if (args->pairs.empty() && args->boards.size() == 1) {  // one pair: errors are fatal, as before
        const std::string& board_path = args->boards.front();
        const cv::Mat golden = inspect::load_image(args->golden, lim);
        const cv::Mat board = inspect::load_image(board_path, lim);
        cv::Mat mask;
        if (!args->mask.empty()) mask = inspect::load_gray(args->mask, lim);
        opt.golden_name = args->golden;
        opt.board_name = board_path;
        opt.mask_name = args->mask;
        const inspect::Result result = inspect::inspect(golden, board, mask, opt);
        const std::string host = args->host.empty() ? std::filesystem::path(board_path).stem().string() : args->host;
        // The annotated image first: a reader that stops early (| head) ends the run at the first
        // failed write to stdout, and the image must not depend on how much of stdout was read.
        if (!args->annotate.empty()) inspect::write_png(args->annotate, inspect::annotate(board, result));
        for (const auto& f : inspect::to_findings(result, host)) out.emit(f);
        return core::kExitOk;
      }

      inspect::BatchOptions bo;
      bo.inspect = opt;
      bo.limits = lim;
      bo.threads = args->threads;
      std::vector<inspect::PairLine> list;
      bool bad = false;
      if (!args->pairs.empty()) {
        inspect::PairList parsed = inspect::load_pairs(args->pairs);
        for (const auto& e : parsed.errors) std::cerr << "supplyguard: " << e.what() << " (line skipped)\n";
        bad = !parsed.errors.empty();
        list = std::move(parsed.pairs);
        bo.pairs_source = args->pairs;
      } else {
        for (const auto& b : args->boards) list.push_back({args->golden, b, "", 0});
      }
      if (list.size() > 1) cv::setNumThreads(1);  // parallel across pairs, not inside one
      inspect::run_batch(list, bo, [&](const inspect::PairOutcome& o) {
        if (o.error) {
          std::cerr << "supplyguard: " << o.error->what() << " (pair skipped)\n";
          bad = true;
          return;
        }
        for (const auto& f : o.findings) out.emit(f);
      });
      return bad ? core::kExitUsage : core::kExitOk;
    };
  });
}

}  // namespace sg::cli
