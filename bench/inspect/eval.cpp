// Full-size evaluation of the inspect plane against generator ground truth (the test suite runs
// the same statistic at 2000x1500 to stay fast). For each of N board designs: one variant with a
// tiny extra part (20x40 px), one with a removed and a swapped part, one with pose/lighting only;
// all variants with random pose and lighting inside the bounds. Single-threaded OpenCV,
// so the per-pair time is a one-core figure (decode excluded: run.sh times the CLI for that).
//
//   bench_inspect_eval [pairs=50] [width=4000] [height=3000] [extra long side at 4000 px = 40] [min-area, 0 = default]
//                      [first design = 0] (to split the 50 designs over processes)
#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include <opencv2/core.hpp>

#include "supplyguard/gen/board.hpp"
#include "supplyguard/inspect/inspect.hpp"

using namespace sg::inspect;

namespace {

bool hits(const cv::Rect& region, const cv::Rect& plant) {
  const cv::Rect grown(plant.x - 4, plant.y - 4, plant.width + 8, plant.height + 8);
  return (region & grown).area() > 0;
}

struct Tally {
  int plants = 0, found = 0, right_kind = 0, fp = 0, boards = 0, failed_registration = 0;
};

void score(const Result& r, const Truth& t, Tally& tally) {
  ++tally.boards;
  if (!r.registration.ok) ++tally.failed_registration;
  for (const Plant& p : t.plants) {
    ++tally.plants;
    bool any = false, right = false;
    for (const Region& g : r.regions)
      if (hits(g.bbox, p.bbox)) {
        any = true;
        const ChangeKind want = p.kind == PlantKind::extra     ? ChangeKind::extra
                                : p.kind == PlantKind::missing ? ChangeKind::missing
                                                               : ChangeKind::changed;
        right = right || g.kind == want;
      }
    tally.found += any;
    tally.right_kind += right;
  }
  for (const Region& g : r.regions) {
    bool on = false;
    for (const Plant& p : t.plants) on = on || hits(g.bbox, p.bbox);
    tally.fp += !on;
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int pairs = argc > 1 ? std::atoi(argv[1]) : 50;
  const int width = argc > 2 ? std::atoi(argv[2]) : 4000;
  const int height = argc > 3 ? std::atoi(argv[3]) : 3000;
  const double extra_long = argc > 4 ? std::atof(argv[4]) : 40.0;
  Options opt;
  opt.min_area = argc > 5 ? std::atof(argv[5]) : 0.0;
  const int first = argc > 6 ? std::atoi(argv[6]) : 0;
  cv::setNumThreads(1);
  // As the CLI does (cmd_inspect.cpp): keep freed image buffers in the heap instead of returning
  // them to the kernel, whose page faults cost more than the arithmetic on a VM.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  Tally extra, other, clean;
  std::vector<double> ms;
  for (int i = first; i < first + pairs; ++i) {
    const BoardSpec spec{static_cast<std::uint64_t>(5000 + i), width, height};
    const cv::Mat golden = render_golden(spec);
    auto run = [&](std::vector<PlantKind> plants, std::uint64_t vseed, Tally& tally, bool timed) {
      VariantSpec v = random_conditions(vseed);
      v.plants = std::move(plants);
      v.extra_h = extra_long;
      v.extra_w = extra_long / 2;
      Truth t;
      const cv::Mat board = render_variant(spec, v, &t);
      const auto t0 = std::chrono::steady_clock::now();
      const Result r = inspect(golden, board, {}, opt);
      if (timed) ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      score(r, t, tally);
    };
    run({PlantKind::extra}, 7000 + i, extra, true);
    if (i % 5 == 0) {  // fewer of the slower-to-generate extra cases
      run({PlantKind::missing, PlantKind::swapped}, 8000 + i, other, false);
      run({}, 9000 + i, clean, false);
    }
  }
  std::printf("board size                         %dx%d, tiny extra part %.0fx%.0f px at 4000 px width\n", width, height,
              extra_long / 2, extra_long);
  std::printf("extra-part pairs                   %d (random pose +-5 deg, scale +-5 %%, brightness +-20 %%, WB, light ramp, blur, noise)\n", extra.boards);
  std::printf("  recall (found as extra_component) %.3f (%d/%d), found at all %d/%d\n",
              double(extra.right_kind) / extra.plants, extra.right_kind, extra.plants, extra.found, extra.plants);
  std::printf("  false positives per board         %.2f (%d total), registration failures %d\n",
              double(extra.fp) / extra.boards, extra.fp, extra.failed_registration);
  std::printf("missing+swapped pairs              %d: found %d/%d, right kind %d/%d, false positives %d\n", other.boards,
              other.found, other.plants, other.right_kind, other.plants, other.fp);
  std::printf("pose/lighting-only pairs           %d: findings %d, registration failures %d\n", clean.boards, clean.fp,
              clean.failed_registration);
  std::printf("inspect() per pair, 1 thread       median %.0f ms (min %.0f, max %.0f), decode excluded\n", median(ms),
              *std::min_element(ms.begin(), ms.end()), *std::max_element(ms.begin(), ms.end()));
  return 0;
}
