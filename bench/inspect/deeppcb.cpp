// DeepPCB evaluation: every pair of a DeepPCB-layout folder (pairs.txt: TEMPLATE<TAB>TEST<TAB>ANNOTATION)
// through inspect(), scored against the annotated boxes. One thread, so ms per pair is a one-core
// figure; decode is timed separately.
//
// Matching rule (docs/inspect.md): a finding matches an annotated box when the finding's box
// overlaps the annotated box grown by 4 px on every side (the annotated boxes are loose, ~20-60 px,
// around defects of a few px; a finding's box is its changed pixels, so it is usually inside).
// A box is found when some finding matches it; found with the right kind when a matching finding is
// extra_component for types 2/4/5 (short, spur, spurious copper: copper added) or missing_component
// for 1/3/6 (open, mouse bite, pin hole: copper removed). A finding that matches no box is a false
// positive. For comparison with the upstream metric the strict figure is also printed: a box counts
// when a matching finding has IoU > 0.33 with it.
//
//   bench_inspect_deeppcb DIR [max_pairs=0 (all)] [--verbose]
#include <malloc.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <ctime>

#include <opencv2/core.hpp>
#include <opencv2/core/types.hpp>

#include "supplyguard/inspect/image_io.hpp"
#include "supplyguard/inspect/inspect.hpp"

using namespace sg::inspect;

namespace {

struct Box {
  cv::Rect rect;
  int type = 0;
};

std::vector<Box> read_boxes(const std::string& path) {
  std::vector<Box> out;
  std::ifstream in(path);
  int x1, y1, x2, y2, t;
  while (in >> x1 >> y1 >> x2 >> y2 >> t) out.push_back({cv::Rect(cv::Point(x1, y1), cv::Point(x2, y2)), t});
  return out;
}

bool matches(const cv::Rect& finding, const cv::Rect& box) {
  const cv::Rect grown(box.x - 4, box.y - 4, box.width + 8, box.height + 8);
  return (finding & grown).area() > 0;
}

double iou(const cv::Rect& a, const cv::Rect& b) {
  const double i = (a & b).area();
  return i / (a.area() + b.area() - i);
}

bool adds_copper(int type) { return type == 2 || type == 4 || type == 5; }

// CPU time of this thread: on a shared machine wall time also counts waiting for a core.
double cpu_ms() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

const char* kTypeName[] = {"background", "open", "short", "mousebite", "spur", "spurious copper", "pin-hole"};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s DEEPPCB_DIR [max_pairs] [--verbose]\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const int max_pairs = argc > 2 ? std::atoi(argv[2]) : 0;
  const bool verbose = argc > 3 && std::strcmp(argv[3], "--verbose") == 0;
  cv::setNumThreads(1);
  // As the CLI does (cmd_inspect.cpp): keep freed image buffers in the heap instead of returning
  // them to the kernel, whose page faults cost more than the arithmetic on a VM.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  std::ifstream list(dir + "/pairs.txt");
  if (!list) {
    std::fprintf(stderr, "%s/pairs.txt: cannot open\n", dir.c_str());
    return 2;
  }
  std::array<int, 7> boxes{}, found{}, right{}, strict{};
  int pairs = 0, fp = 0, images_with_fp = 0, failed = 0;
  std::array<int, 3> kinds_of_fp{};
  std::vector<double> ms_inspect, ms_decode, cpu_inspect;
  std::string line;
  while (std::getline(list, line) && (max_pairs == 0 || pairs < max_pairs)) {
    std::istringstream fields(line);
    std::string temp, test, ann;
    if (!std::getline(fields, temp, '\t') || !std::getline(fields, test, '\t') || !std::getline(fields, ann, '\t'))
      continue;
    const auto t0 = std::chrono::steady_clock::now();
    const cv::Mat golden = load_image(dir + "/" + temp), board = load_image(dir + "/" + test);
    const auto t1 = std::chrono::steady_clock::now();
    const double c0 = cpu_ms();
    const Result r = inspect(golden, board);
    cpu_inspect.push_back(cpu_ms() - c0);
    const auto t2 = std::chrono::steady_clock::now();
    ms_decode.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    ms_inspect.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
    ++pairs;
    // Annotations are in test-image pixels, findings in golden pixels: map the boxes through the
    // registration (a shift of up to ~50 px on some pairs).
    std::vector<Box> truth = read_boxes(dir + "/" + ann);
    if (r.registration.ok)
      for (Box& b : truth) {
        std::vector<cv::Point2d> c = {b.rect.tl(), b.rect.br()}, m;
        cv::perspectiveTransform(c, m, cv::Mat(r.registration.board_to_golden));
        b.rect = cv::Rect(cv::Point(cvRound(m[0].x), cvRound(m[0].y)), cv::Point(cvRound(m[1].x), cvRound(m[1].y)));
      }
    if (!r.registration.ok) {
      ++failed;
      if (verbose) std::printf("%s: registration failed: %s\n", test.c_str(), r.registration.reason.c_str());
    }
    for (const Box& b : truth) {
      const int t = std::clamp(b.type, 0, 6);
      ++boxes[t];
      bool any = false, kind = false, tight = false;
      for (const Region& g : r.regions) {
        if (!matches(g.bbox, b.rect)) continue;
        any = true;
        kind = kind || g.kind == (adds_copper(t) ? ChangeKind::extra : ChangeKind::missing);
        tight = tight || iou(g.bbox, b.rect) > 0.33;
      }
      found[t] += any;
      right[t] += kind;
      strict[t] += tight;
      if (verbose && !any) std::printf("%s: missed %s at %d,%d %dx%d\n", test.c_str(), kTypeName[t], b.rect.x, b.rect.y,
                                       b.rect.width, b.rect.height);
    }
    int here = 0;
    for (const Region& g : r.regions) {
      bool on = false;
      for (const Box& b : truth) on = on || matches(g.bbox, b.rect);
      if (!on) {
        ++here;
        ++kinds_of_fp[static_cast<int>(g.kind)];
        if (verbose)
          std::printf("%s: false positive %s at %d,%d %dx%d area %.0f\n", test.c_str(), std::string(to_string(g.kind)).c_str(),
                      g.bbox.x, g.bbox.y, g.bbox.width, g.bbox.height, g.area);
      }
    }
    fp += here;
    images_with_fp += here > 0;
  }
  int all = 0, all_found = 0, all_right = 0, all_strict = 0;
  std::printf("DeepPCB pairs                       %d (%s)\n", pairs, dir.c_str());
  std::printf("%-17s %6s %8s %12s %14s\n", "defect kind", "boxes", "recall", "right kind", "IoU>0.33");
  for (int t = 1; t <= 6; ++t) {
    if (boxes[t] == 0) continue;
    std::printf("%-17s %6d %8.3f %12.3f %14.3f\n", kTypeName[t], boxes[t], double(found[t]) / boxes[t],
                double(right[t]) / boxes[t], double(strict[t]) / boxes[t]);
    all += boxes[t];
    all_found += found[t];
    all_right += right[t];
    all_strict += strict[t];
  }
  std::printf("%-17s %6d %8.3f %12.3f %14.3f\n", "all", all, double(all_found) / all, double(all_right) / all,
              double(all_strict) / all);
  const double precision = double(all_found) / std::max(1.0, double(all_found + fp));
  const double recall = double(all_found) / std::max(1, all);
  std::printf("false positives per image           %.3f (%d total: %d extra, %d missing, %d changed; %d images with any)\n",
              double(fp) / std::max(1, pairs), fp, kinds_of_fp[0], kinds_of_fp[1], kinds_of_fp[2], images_with_fp);
  std::printf("F-score (box recall, finding precision) %.3f\n", 2 * precision * recall / std::max(1e-9, precision + recall));
  std::printf("registration failures               %d\n", failed);
  std::printf("inspect() per pair, 1 thread        median %.1f ms CPU (max %.1f), %.1f ms wall; decode of both JPEGs %.1f ms wall\n",
              median(cpu_inspect), cpu_inspect.empty() ? 0 : *std::max_element(cpu_inspect.begin(), cpu_inspect.end()),
              median(ms_inspect), median(ms_decode));
  return 0;
}
