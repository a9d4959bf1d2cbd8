// The inspection pipeline (see inspect.hpp for the stages). Works at full resolution for photos
// up to 5 MP, so a 10-px spur stays 10 px; bigger ones on a 3-MP copy (4000x3000 at 0.5: a 20x40
// part is 10x20 px there). Binarised scans (AOI, DeepPCB) are compared
// as material vs bare, per direction (material.hpp); colour photos by structural difference.
#include "supplyguard/inspect/inspect.hpp"

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include <fmt/format.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "material.hpp"
#include "registration.hpp"
#include "supplyguard/core/error.hpp"

namespace sg::inspect {
namespace {

using core::InputError;

// The working copy keeps full resolution up to 5 MP (a 3034x1586 photo: a 10-px spur stays
// 10 px); bigger images are scaled to 3 MP (4000x3000 -> 0.5), which keeps a 4000x3000 pair
// inside its one-core budget (at 5 MP it took ~2.6 s CPU end to end); the registration copy is
// smaller still.
constexpr double kFullResPixels = 5.0e6, kWorkPixels = 3.0e6;
constexpr double kMinWorkArea = 50.0;  // default smallest change, working px (~7x7)
constexpr double kRegSide = 1000.0;   // long side of the registration copy

double scale_for(const cv::Mat& m, double side) { return std::min(1.0, side / std::max(m.cols, m.rows)); }
double work_scale_for(const cv::Mat& m) {
  const double px = double(m.cols) * m.rows;
  return px <= kFullResPixels ? 1.0 : std::sqrt(kWorkPixels / px);
}

cv::Mat shrink(const cv::Mat& m, double s) {
  if (s >= 1.0) return m;
  cv::Mat out;
  cv::resize(m, out, cv::Size(), s, s, cv::INTER_AREA);
  return out;
}

cv::Matx33d scaling(double s) { return {s, 0, 0, 0, s, 0, 0, 0, 1}; }

void check_pair(const cv::Mat& golden, const cv::Mat& board, const cv::Mat& mask, const Options& opt) {
  const double rw = double(board.cols) / golden.cols, rh = double(board.rows) / golden.rows;
  if (rw < 0.5 || rw > 2.0 || rh < 0.5 || rh > 2.0 || std::max(rw, rh) / std::min(rw, rh) > 1.25)
    throw InputError::in(opt.board_name,
                         fmt::format("board image is {}x{} but golden {} is {}x{}: photos must be of the same "
                                     "framing and resolution (within 2x, same aspect)",
                                     board.cols, board.rows, opt.golden_name, golden.cols, golden.rows));
  if (!mask.empty() && mask.size() != golden.size())
    throw InputError::in(opt.mask_name, fmt::format("mask is {}x{} but golden {} is {}x{}: a mask is drawn in golden "
                                                    "coordinates",
                                                    mask.cols, mask.rows, opt.golden_name, golden.cols, golden.rows));
}

// Least-squares gain/offset g ~ a*b + off, accumulated over a sparse grid.
struct LinearFit {
  double n = 0, sb = 0, sg = 0, sbb = 0, sbg = 0;
  void add(double b, double g) {
    n += 1;
    sb += b;
    sg += g;
    sbb += b * b;
    sbg += b * g;
  }
  // False when too few pixels or too little contrast to tell gain from offset.
  bool solve(double& a, double& off) const {
    if (n < 150) return false;
    const double var = sbb / n - (sb / n) * (sb / n);
    if (var < 25.0) return false;
    a = std::clamp((sbg / n - (sb / n) * (sg / n)) / var, 0.5, 2.0);
    off = sg / n - a * sb / n;
    return true;
  }
};

// Maps the aligned board onto the golden image's lighting and white balance: a gain/offset per
// channel fitted on each tile of a coarse grid (uneven light, a lamp on one side), tiles that
// cannot be fitted take the global fit, and the maps are interpolated bilinearly between tile
// centres so no tile edge shows up as a difference.
void normalise(cv::Mat& board, const cv::Mat& golden, const cv::Mat& valid) {
  constexpr int kTile = 250;  // working px
  const int nx = std::max(1, (board.cols + kTile / 2) / kTile), ny = std::max(1, (board.rows + kTile / 2) / kTile);
  std::vector<cv::Mat> bc, gc;
  cv::split(board, bc);
  cv::split(golden, gc);
  for (int c = 0; c < board.channels(); ++c) {
    LinearFit global;
    std::vector<LinearFit> tiles(nx * ny);
    for (int y = 0; y < board.rows; y += 3) {
      const auto* pb = bc[c].ptr<std::uint8_t>(y);
      const auto* pg = gc[c].ptr<std::uint8_t>(y);
      const auto* pv = valid.ptr<std::uint8_t>(y);
      const int ty = std::min(ny - 1, y * ny / board.rows);
      for (int x = 0; x < board.cols; x += 3) {
        if (!pv[x]) continue;
        global.add(pb[x], pg[x]);
        tiles[ty * nx + std::min(nx - 1, x * nx / board.cols)].add(pb[x], pg[x]);
      }
    }
    double ga = 1.0, goff = 0.0;
    global.solve(ga, goff);
    cv::Mat gain(ny, nx, CV_32F), offset(ny, nx, CV_32F);
    for (int t = 0; t < nx * ny; ++t) {
      double a = ga, off = goff;
      tiles[t].solve(a, off);
      gain.at<float>(t / nx, t % nx) = static_cast<float>(a);
      offset.at<float>(t / nx, t % nx) = static_cast<float>(off);
    }
    cv::resize(gain, gain, board.size(), 0, 0, cv::INTER_LINEAR);
    cv::resize(offset, offset, board.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat f;
    cv::multiply(bc[c], gain, f, 1.0, CV_32F);  // two passes, straight from and back to 8 bits
    cv::add(f, offset, bc[c], cv::noArray(), CV_8U);
  }
  cv::merge(bc, board);
}

// Per pixel: the colour distance (largest channel difference) from a to the closest of the 3x3
// pixels around the same spot in b: zero when a one-pixel shift explains it. Done both ways and
// the smaller kept, so misregistration and a blurred edge do not count, while a part present in
// only one image differs from everything around it in the other, in both directions.
cv::Mat nearest_distance(const std::vector<cv::Mat>& a, const std::vector<cv::Mat>& b) {
  const cv::Size size = a[0].size();
  std::vector<cv::Mat> padded(b.size());
  for (size_t c = 0; c < b.size(); ++c) cv::copyMakeBorder(b[c], padded[c], 1, 1, 1, 1, cv::BORDER_REPLICATE);
  cv::Mat best(size, CV_8U, cv::Scalar(255)), dist, t;
  for (int dy = 0; dy <= 2; ++dy)
    for (int dx = 0; dx <= 2; ++dx) {
      const cv::Rect roi(dx, dy, size.width, size.height);
      cv::absdiff(a[0], padded[0](roi), dist);
      for (size_t c = 1; c < a.size(); ++c) {
        cv::absdiff(a[c], padded[c](roi), t);
        cv::max(dist, t, dist);
      }
      cv::min(best, dist, best);
    }
  return best;
}

cv::Mat structural_difference(const cv::Mat& g, const cv::Mat& b) {
  std::vector<cv::Mat> gc, bc;
  cv::split(g, gc);
  cv::split(b, bc);
  cv::Mat d;
  cv::min(nearest_distance(bc, gc), nearest_distance(gc, bc), d);
  return d;
}

// The bare-board colour (solder mask): the most common colour of the golden image, found in a
// coarse 16x16x16 histogram over a sparse grid, then averaged inside the winning bin.
cv::Vec3d board_colour(const cv::Mat& golden) {
  std::vector<int> hist(4096, 0);
  auto bin = [](const cv::Vec3b& p) { return (p[0] >> 4) << 8 | (p[1] >> 4) << 4 | (p[2] >> 4); };
  for (int y = 0; y < golden.rows; y += 4)
    for (int x = 0; x < golden.cols; x += 4) ++hist[bin(golden.at<cv::Vec3b>(y, x))];
  const int best = static_cast<int>(std::max_element(hist.begin(), hist.end()) - hist.begin());
  cv::Vec3d sum(0, 0, 0);
  double n = 0;
  for (int y = 0; y < golden.rows; y += 4)
    for (int x = 0; x < golden.cols; x += 4) {
      const auto& p = golden.at<cv::Vec3b>(y, x);
      if (bin(p) == best) {
        sum += cv::Vec3d(p[0], p[1], p[2]);
        n += 1;
      }
    }
  return sum * (1.0 / n);
}

// Share of the region's changed pixels that do not look like bare board.
// A part added on bare board: low in golden, high in board. Removed: the reverse. Swapped: both high.
double foreground_share(const cv::Mat& img, const cv::Mat& changed, const cv::Rect& box, const cv::Vec3d& bg) {
  double n = 0, fg = 0;
  for (int y = box.y; y < box.br().y; ++y)
    for (int x = box.x; x < box.br().x; ++x) {
      if (!changed.at<std::uint8_t>(y, x)) continue;
      const auto& p = img.at<cv::Vec3b>(y, x);
      const double dist = std::abs(p[0] - bg[0]) + std::abs(p[1] - bg[1]) + std::abs(p[2] - bg[2]);
      n += 1;
      fg += dist > 45 ? 1 : 0;
    }
  return n > 0 ? fg / n : 0.0;
}

// The pipeline works on 8-bit BGR; grey or BGRA images from library callers are converted.
cv::Mat as_bgr(const cv::Mat& m, const std::string& name) {
  if (m.depth() != CV_8U) throw InputError::in(name, "image must have 8-bit channels");
  if (m.channels() == 3) return m;
  cv::Mat out;
  if (m.channels() == 1) cv::cvtColor(m, out, cv::COLOR_GRAY2BGR);
  else if (m.channels() == 4) cv::cvtColor(m, out, cv::COLOR_BGRA2BGR);
  else throw InputError::in(name, "image must have 1, 3 or 4 channels");
  return out;
}

// Changed pixels grouped when within 3 px (a removed part leaves pads between its changed ends).
struct Blob {
  cv::Rect box;
  double area = 0, sum = 0, marked = 0;  // changed px, their summed difference, how many in `mark`
};

std::vector<Blob> group(const cv::Mat& changed, const cv::Mat& diff, const cv::Mat& mark) {
  cv::Mat grouped, labels, stats, centroids;
  cv::dilate(changed, grouped, cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(7, 7)));
  const int n = cv::connectedComponentsWithStats(grouped, labels, stats, centroids, 8, CV_32S);
  std::vector<Blob> blobs(n);
  std::vector<cv::Point> pts;
  cv::findNonZero(changed, pts);
  for (const cv::Point& p : pts) {
    Blob& b = blobs[labels.at<int>(p)];
    b.box = b.area == 0 ? cv::Rect(p, cv::Size(1, 1)) : (b.box | cv::Rect(p, cv::Size(1, 1)));
    b.area += 1;
    b.sum += diff.at<std::uint8_t>(p);
    if (!mark.empty() && mark.at<std::uint8_t>(p)) b.marked += 1;
  }
  std::vector<Blob> out;
  for (int l = 1; l < n; ++l)
    if (blobs[l].area > 0) out.push_back(blobs[l]);
  return out;
}

}  // namespace

std::string_view to_string(ChangeKind k) {
  switch (k) {
    case ChangeKind::extra: return "extra_component";
    case ChangeKind::missing: return "missing_component";
    case ChangeKind::changed: return "changed_component";
  }
  return "?";
}

Result inspect(const cv::Mat& golden_raw, const cv::Mat& board_raw, const cv::Mat& mask, const Options& opt) {
  if (golden_raw.empty() || board_raw.empty()) throw InputError::in(golden_raw.empty() ? opt.golden_name : opt.board_name, "empty image");
  const cv::Mat golden_in = as_bgr(golden_raw, opt.golden_name), board_in = as_bgr(board_raw, opt.board_name);
  if (!mask.empty() && (mask.type() != CV_8UC1)) throw InputError::in(opt.mask_name, "mask must be a single-channel 8-bit image");
  check_pair(golden_in, board_in, mask, opt);
  Result res;
  res.golden_size = golden_in.size();

  // Working copies (colour) and registration copies (grey, smaller), made from each other.
  const double gw = work_scale_for(golden_in), bw = work_scale_for(board_in);
  res.work_scale = gw;
  const cv::Mat golden = shrink(golden_in, gw), board = shrink(board_in, bw);
  cv::Mat ggrey, bgrey;
  cv::cvtColor(golden, ggrey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(board, bgrey, cv::COLOR_BGR2GRAY);
  const double gr = scale_for(ggrey, kRegSide), br = scale_for(bgrey, kRegSide);
  res.registration = detail::register_board(shrink(ggrey, gr), gw * gr, shrink(bgrey, br), bw * br, opt);
  if (!res.registration.ok) return res;
  res.binary = detail::is_binary(ggrey) && detail::is_binary(bgrey);

  // Board into the golden frame at working scale; `valid` marks golden pixels the photo covers.
  // A binarised scan is compared in grey only (its colour channels are copies).
  const cv::Matx33d h = scaling(gw) * res.registration.board_to_golden * scaling(1.0 / bw);
  cv::Mat aligned, valid;
  cv::warpPerspective(res.binary ? bgrey : board, aligned, cv::Mat(h), golden.size(), cv::INTER_LINEAR,
                      cv::BORDER_CONSTANT);
  cv::warpPerspective(cv::Mat(board.size(), CV_8U, cv::Scalar(255)), valid, cv::Mat(h), golden.size(), cv::INTER_NEAREST,
                      cv::BORDER_CONSTANT, cv::Scalar(0));
  // The outermost pixels are not compared either: scans and crops leave a column or two of
  // artefacts at the image edge (hence the explicit zero border).
  cv::erode(valid, valid, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(9, 9)), cv::Point(-1, -1), 1,
            cv::BORDER_CONSTANT, cv::Scalar(0));
  if (!mask.empty()) {
    cv::Mat m;
    cv::resize(mask, m, golden.size(), 0, 0, cv::INTER_NEAREST);
    valid.setTo(0, m);
  }

  // Default: what the working copy resolves (kMinWorkArea working px), and never more than the
  // historical 200 px at 4000 px width (which keeps DeepPCB's 640-px scans at 5 px).
  const double min_area = opt.min_area > 0 ? opt.min_area
                                           : std::min(kMinWorkArea / (gw * gw), 200.0 * std::pow(golden_in.cols / 4000.0, 2));
  const double to_golden = 1.0 / gw;
  auto add_region = [&](const Blob& b, ChangeKind kind, double fg_golden, double fg_board) {
    Region r;
    r.area = b.area * to_golden * to_golden;
    r.contrast = b.sum / b.area;
    r.kind = kind;
    r.foreground_golden = fg_golden;
    r.foreground_board = fg_board;
    r.bbox = cv::Rect(cv::Point(static_cast<int>(std::floor(b.box.x * to_golden)), static_cast<int>(std::floor(b.box.y * to_golden))),
                      cv::Point(static_cast<int>(std::ceil(b.box.br().x * to_golden)), static_cast<int>(std::ceil(b.box.br().y * to_golden)))) &
             cv::Rect(0, 0, golden_in.cols, golden_in.rows);
    // Confidence grows with contrast above threshold and with size above the minimum.
    const double c = std::clamp((r.contrast - opt.threshold) / 60.0, 0.0, 1.0);
    const double s = std::clamp(std::log2(r.area / min_area) / 4.0, 0.0, 1.0);
    r.score = std::clamp(0.5 + 0.3 * c + 0.2 * s, 0.0, 1.0);
    res.regions.push_back(r);
  };
  const double valid_px = cv::countNonZero(valid);
  auto too_different = [&](const cv::Mat& changed) {
    res.changed_fraction = valid_px > 0 ? cv::countNonZero(changed) / valid_px : 0.0;
    if (res.changed_fraction <= opt.max_changed_fraction) return false;
    res.registration.ok = false;
    res.registration.reason = fmt::format(
        "{:.0f}% of the board differs after alignment: not the same board, or the alignment is wrong",
        100 * res.changed_fraction);
    return true;
  };

  if (res.binary) {
    // Binarised scans: which image has the material decides extra vs missing, pixel by pixel.
    const cv::Mat& ag = aligned;
    const auto md = detail::material_difference(ggrey, ag, valid, opt.shift_tolerance, opt.material_dark);
    const cv::Mat open3 = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3));
    cv::Mat added, removed;
    cv::morphologyEx(md.added, added, cv::MORPH_OPEN, open3);
    cv::morphologyEx(md.removed, removed, cv::MORPH_OPEN, open3);
    const cv::Mat changed = added | removed;
    if (too_different(changed)) return res;
    cv::Mat diff;
    cv::absdiff(ggrey, ag, diff);
    for (const Blob& b : group(changed, diff, added)) {
      if (b.area * to_golden * to_golden < min_area) continue;
      // Both directions in one place (a trace that moved, a pad reshaped): changed.
      const double share = b.marked / b.area;
      const ChangeKind kind = share > 0.8 ? ChangeKind::extra : share < 0.2 ? ChangeKind::missing : ChangeKind::changed;
      add_region(b, kind, 1.0 - share, share);
    }
  } else {
    normalise(aligned, golden, valid);
    cv::Mat gs, bs;
    cv::GaussianBlur(golden, gs, cv::Size(5, 5), 1.0);
    cv::GaussianBlur(aligned, bs, cv::Size(5, 5), 1.0);
    cv::Mat diff = structural_difference(gs, bs);
    diff.setTo(0, valid == 0);

    cv::Mat changed = diff > opt.threshold;
    if (const char* dir = std::getenv("SG_INSPECT_DEBUG")) {  // developer aid: intermediate images
      cv::imwrite(std::string(dir) + "/aligned.png", bs);
      cv::imwrite(std::string(dir) + "/golden.png", gs);
      cv::imwrite(std::string(dir) + "/diff.png", diff * 4);
    }
    cv::morphologyEx(changed, changed, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3)));
    if (too_different(changed)) return res;
    const cv::Vec3d bare = board_colour(gs);
    for (const Blob& b : group(changed, diff, cv::Mat())) {
      if (b.area * to_golden * to_golden < min_area) continue;
      // Material = not bare solder mask. Added on bare board: low in golden, high in board.
      const double fg = foreground_share(gs, changed, b.box, bare), fb = foreground_share(bs, changed, b.box, bare);
      const double lean = fb - fg;
      add_region(b, lean > 0.3 ? ChangeKind::extra : lean < -0.3 ? ChangeKind::missing : ChangeKind::changed, fg, fb);
    }
  }
  // Extra parts first (what an implant looks like), then by confidence.
  std::sort(res.regions.begin(), res.regions.end(), [](const Region& a, const Region& b) {
    if ((a.kind == ChangeKind::extra) != (b.kind == ChangeKind::extra)) return a.kind == ChangeKind::extra;
    return a.score != b.score ? a.score > b.score : a.area > b.area;
  });
  return res;
}

}  // namespace sg::inspect
