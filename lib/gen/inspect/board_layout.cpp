// Lays out and draws a synthetic server board. The look is what matters to the inspector:
// a dark, fairly flat solder mask, faint traces, high-contrast parts with repeated structure
// (pins, rows of identical passives), and unique text, like a real board photo.
#include "board_layout.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace sg::inspect::detail {
namespace {

const cv::Scalar kMask(38, 88, 28);
const cv::Scalar kTrace(46, 104, 36);
const cv::Scalar kPad(165, 172, 178);
const cv::Scalar kTerminal(205, 205, 210);
const cv::Scalar kIcBody(34, 32, 30);
const cv::Scalar kPin(190, 192, 196);
const cv::Scalar kSilk(225, 228, 226);
const cv::Scalar kResistor(22, 22, 24);
const cv::Scalar kCapacitor(85, 135, 185);

class Occupancy {
 public:
  bool free(const cv::Rect& r, int margin) const {
    cv::Rect grown(r.x - margin, r.y - margin, r.width + 2 * margin, r.height + 2 * margin);
    return std::none_of(used_.begin(), used_.end(),
                        [&](const cv::Rect& u) { return (u & grown).area() > 0; });
  }
  void take(const cv::Rect& r) { used_.push_back(r); }

 private:
  std::vector<cv::Rect> used_;
};

std::string random_marking(cv::RNG& rng) {
  static const char* kVendors[] = {"SG", "AX", "MV", "TX", "NX", "RT"};
  std::string s = kVendors[rng.uniform(0, 6)];
  for (int i = 0; i < 4; ++i) s += static_cast<char>('0' + rng.uniform(0, 10));
  s += '-';
  s += static_cast<char>('A' + rng.uniform(0, 26));
  return s;
}

void add_traces(Layout& L, cv::RNG& rng) {
  const double u = L.unit;
  const int n = 160;
  for (int i = 0; i < n; ++i) {
    Trace t;
    t.thickness = std::max(1, static_cast<int>(std::lround(rng.uniform(3.0, 7.0) * u)));
    cv::Point p(rng.uniform(0, L.width), rng.uniform(0, L.height));
    t.points.push_back(p);
    const int segs = rng.uniform(2, 6);
    bool horizontal = rng.uniform(0, 2) == 0;
    for (int s = 0; s < segs; ++s) {
      const int len = static_cast<int>(rng.uniform(150.0, 900.0) * u) * (rng.uniform(0, 2) ? 1 : -1);
      if (rng.uniform(0, 4) == 0) {  // a 45-degree jog
        p += cv::Point(len / 3, len / 3);
      } else if (horizontal) {
        p.x += len;
      } else {
        p.y += len;
      }
      horizontal = !horizontal;
      t.points.push_back(p);
    }
    L.traces.push_back(std::move(t));
  }
}

void add_parts(Layout& L, cv::RNG& rng) {
  const double u = L.unit;
  auto px = [u](double v) { return std::max(1, static_cast<int>(std::lround(v * u))); };
  Occupancy occ;

  // Mounting holes in the corners.
  for (cv::Point c : {cv::Point(px(120), px(120)), cv::Point(L.width - px(120), px(120)),
                      cv::Point(px(120), L.height - px(120)),
                      cv::Point(L.width - px(120), L.height - px(120))}) {
    L.holes.push_back(c);
    occ.take(cv::Rect(c.x - px(80), c.y - px(80), px(160), px(160)));
  }

  // Memory slots: long connectors, in a bank.
  const int slots = rng.uniform(4, 8);
  const int slot_len = px(rng.uniform(1500.0, 2000.0));
  const int slot_x = px(rng.uniform(1500.0, 2200.0));
  const int slot_y0 = px(rng.uniform(250.0, 500.0));
  for (int i = 0; i < slots; ++i) {
    cv::Rect r(slot_x, slot_y0 + i * px(120), slot_len, px(60));
    if (r.br().x >= L.width - px(60)) r.width = L.width - px(60) - r.x;
    L.connectors.push_back({r, false});
    occ.take(r);
  }
  // Rear I/O connectors along the left edge.
  for (int i = 0; i < 3; ++i) {
    cv::Rect r(px(60), px(700 + 500 * i), px(180), px(380));
    L.connectors.push_back({r, true});
    occ.take(r);
  }

  // ICs.
  const int n_ic = rng.uniform(9, 15);
  for (int i = 0, tries = 0; i < n_ic && tries < 2000; ++tries) {
    const int w = px(rng.uniform(140.0, 460.0));
    const int h = rng.uniform(0, 3) == 0 ? w : px(rng.uniform(140.0, 460.0));
    cv::Rect r(rng.uniform(px(300), L.width - w - px(100)), rng.uniform(px(200), L.height - h - px(200)), w, h);
    if (!occ.free(r, px(90))) continue;
    occ.take(r);
    L.ics.push_back({r, std::max(3, px(rng.uniform(18.0, 28.0))), random_marking(rng),
                     "U" + std::to_string(rng.uniform(1, 99))});
    ++i;
  }

  // Rows of passives, pitch leaving a gap wide enough for a tiny part.
  const int n_rows = 70;
  for (int i = 0, tries = 0; i < n_rows && tries < 4000; ++tries) {
    const bool vertical_parts = rng.uniform(0, 2) == 0;  // part orientation; row runs across it
    const int pw = vertical_parts ? px(30) : px(60);
    const int ph = vertical_parts ? px(60) : px(30);
    const int count = rng.uniform(3, 10);
    const int gap = px(rng.uniform(50.0, 70.0));
    const int len = count * (vertical_parts ? pw : ph) + (count - 1) * gap;
    const cv::Size row_size = vertical_parts ? cv::Size(len, ph) : cv::Size(pw, len);
    cv::Rect row(rng.uniform(px(150), L.width - row_size.width - px(150)),
                 rng.uniform(px(150), L.height - row_size.height - px(150)), row_size.width,
                 row_size.height);
    if (!occ.free(row, px(60))) continue;
    occ.take(row);
    std::vector<int> members;
    const PassiveType type = rng.uniform(0, 3) == 0 ? PassiveType::capacitor : PassiveType::resistor;
    for (int k = 0; k < count; ++k) {
      cv::Rect b = vertical_parts ? cv::Rect(row.x + k * (pw + gap), row.y, pw, ph)
                                  : cv::Rect(row.x, row.y + k * (ph + gap), pw, ph);
      members.push_back(static_cast<int>(L.passives.size()));
      L.passives.push_back({b, vertical_parts, type});
    }
    L.rows.push_back(std::move(members));
    if (rng.uniform(0, 2) == 0) {
      const cv::Point o = vertical_parts ? cv::Point(row.x, row.y - px(18)) : cv::Point(row.x + row.width + px(12), row.y + px(30));
      L.labels.push_back({(type == PassiveType::resistor ? "R" : "C") + std::to_string(rng.uniform(100, 999)), o, 0.9 * u});
    }
    ++i;
  }

  // Board silkscreen.
  L.labels.push_back({"SG-X11DPi REV " + std::to_string(rng.uniform(1, 4)) + "." + std::to_string(rng.uniform(0, 10)),
                      cv::Point(px(400), L.height - px(120)), 3.0 * u});
  L.labels.push_back({"S/N " + std::to_string(rng.uniform(100000, 999999)), cv::Point(L.width - px(900), L.height - px(120)), 2.0 * u});
}

void draw_passive(cv::Mat& img, const Passive& p, double u) {
  const cv::Rect& b = p.body;
  const int term = p.vertical ? b.height / 4 : b.width / 4;
  const int grow = std::max(1, static_cast<int>(std::lround(4 * u)));
  // Pads, a little larger than the terminals (they stay when the part is removed).
  cv::Rect pad1 = p.vertical ? cv::Rect(b.x, b.y, b.width, term) : cv::Rect(b.x, b.y, term, b.height);
  cv::Rect pad2 = p.vertical ? cv::Rect(b.x, b.br().y - term, b.width, term) : cv::Rect(b.br().x - term, b.y, term, b.height);
  for (cv::Rect pad : {pad1, pad2}) {
    pad.x -= grow; pad.y -= grow; pad.width += 2 * grow; pad.height += 2 * grow;
    cv::rectangle(img, pad, kPad, cv::FILLED);
  }
  if (p.removed) return;
  cv::rectangle(img, b, p.type == PassiveType::resistor ? kResistor : kCapacitor, cv::FILLED);
  cv::rectangle(img, pad1, kTerminal, cv::FILLED);
  cv::rectangle(img, pad2, kTerminal, cv::FILLED);
  if (p.type == PassiveType::resistor) {  // the printed value, a light smudge
    const cv::Point c = (b.tl() + b.br()) / 2;
    cv::rectangle(img, cv::Rect(c.x - b.width / 6, c.y - b.height / 8, b.width / 3, b.height / 4),
                  cv::Scalar(120, 120, 120), cv::FILLED);
  }
}

void draw_ic(cv::Mat& img, const Ic& ic, double u) {
  const cv::Rect& b = ic.body;
  const int pin_len = std::max(2, static_cast<int>(std::lround(26 * u)));
  const int pin_w = std::max(1, ic.pin_pitch / 2);
  const int silk = std::max(1, static_cast<int>(std::lround(3 * u)));
  const int m = std::max(2, static_cast<int>(std::lround(16 * u)));
  cv::rectangle(img, cv::Rect(b.x - pin_len - m, b.y - pin_len - m, b.width + 2 * (pin_len + m), b.height + 2 * (pin_len + m)),
                kSilk, silk);
  for (int x = b.x + ic.pin_pitch; x + pin_w < b.br().x - ic.pin_pitch / 2; x += ic.pin_pitch) {
    cv::rectangle(img, cv::Rect(x, b.y - pin_len, pin_w, pin_len), kPin, cv::FILLED);
    cv::rectangle(img, cv::Rect(x, b.br().y, pin_w, pin_len), kPin, cv::FILLED);
  }
  for (int y = b.y + ic.pin_pitch; y + pin_w < b.br().y - ic.pin_pitch / 2; y += ic.pin_pitch) {
    cv::rectangle(img, cv::Rect(b.x - pin_len, y, pin_len, pin_w), kPin, cv::FILLED);
    cv::rectangle(img, cv::Rect(b.br().x, y, pin_len, pin_w), kPin, cv::FILLED);
  }
  cv::rectangle(img, b, kIcBody, cv::FILLED);
  const int dot = std::max(2, static_cast<int>(std::lround(10 * u)));
  cv::circle(img, b.tl() + cv::Point(3 * dot, 3 * dot), dot, cv::Scalar(70, 70, 70), cv::FILLED, cv::LINE_AA);
  const double fs = std::min(b.width / 260.0, 1.6 * u * 1.0);
  const int th = std::max(1, static_cast<int>(std::lround(2 * u)));
  cv::putText(img, ic.marking, b.tl() + cv::Point(b.width / 10, b.height / 2), cv::FONT_HERSHEY_SIMPLEX, fs,
              cv::Scalar(160, 160, 160), th, cv::LINE_AA);
  cv::putText(img, ic.refdes, cv::Point(b.x - pin_len - m, b.y - pin_len - m - 2 * th), cv::FONT_HERSHEY_SIMPLEX,
              1.0 * u, kSilk, th, cv::LINE_AA);
}

void draw_connector(cv::Mat& img, const Connector& c, double u) {
  const cv::Rect& b = c.body;
  cv::rectangle(img, b, cv::Scalar(28, 28, 28), cv::FILLED);
  const int inset = std::max(2, static_cast<int>(std::lround(20 * u)));
  cv::Rect slot = c.vertical ? cv::Rect(b.x + inset, b.y + inset, b.width - 2 * inset, b.height - 2 * inset)
                             : cv::Rect(b.x + 4 * inset, b.y + b.height / 3, b.width - 8 * inset, b.height / 3);
  cv::rectangle(img, slot, cv::Scalar(60, 60, 60), cv::FILLED);
  // Latches at the ends of memory slots, pins inside I/O connectors.
  if (!c.vertical) {
    cv::rectangle(img, cv::Rect(b.x, b.y, 2 * inset, b.height), cv::Scalar(200, 200, 200), cv::FILLED);
    cv::rectangle(img, cv::Rect(b.br().x - 2 * inset, b.y, 2 * inset, b.height), cv::Scalar(200, 200, 200), cv::FILLED);
  } else {
    const int pitch = std::max(3, static_cast<int>(std::lround(40 * u)));
    for (int y = slot.y + pitch / 2; y < slot.br().y - pitch / 2; y += pitch)
      cv::circle(img, cv::Point(slot.x + slot.width / 2, y), pitch / 4, cv::Scalar(60, 170, 210), cv::FILLED, cv::LINE_AA);
  }
}

}  // namespace

Layout build_layout(std::uint64_t seed, int width, int height) {
  Layout L;
  L.width = width;
  L.height = height;
  L.unit = width / 4000.0;
  L.seed = seed;
  cv::RNG rng(seed * 0x9E3779B97F4A7C15ULL + 1);
  add_traces(L, rng);
  add_parts(L, rng);
  return L;
}

cv::Mat draw_layout(const Layout& L) {
  const double u = L.unit;
  cv::Mat img(L.height, L.width, CV_8UC3, kMask);
  {  // Solder-mask texture: low-amplitude, smooth, fixed by the seed.
    cv::Mat tex(L.height / 8 + 1, L.width / 8 + 1, CV_8UC3);
    cv::RNG rng(L.seed ^ 0x5DEECE66DULL);
    rng.fill(tex, cv::RNG::NORMAL, cv::Scalar::all(128), cv::Scalar::all(3));
    cv::resize(tex, tex, img.size(), 0, 0, cv::INTER_LINEAR);
    cv::add(img, tex, img);
    cv::subtract(img, cv::Scalar::all(128), img);
  }
  for (const Trace& t : L.traces)
    for (size_t i = 1; i < t.points.size(); ++i) cv::line(img, t.points[i - 1], t.points[i], kTrace, t.thickness);
  for (const cv::Point& h : L.holes) {
    const int r = std::max(3, static_cast<int>(std::lround(60 * u)));
    cv::circle(img, h, r, cv::Scalar(70, 165, 205), cv::FILLED, cv::LINE_AA);
    cv::circle(img, h, r / 2, cv::Scalar(15, 15, 15), cv::FILLED, cv::LINE_AA);
  }
  for (const Connector& c : L.connectors) draw_connector(img, c, u);
  for (const Ic& ic : L.ics) draw_ic(img, ic, u);
  for (const Passive& p : L.passives) draw_passive(img, p, u);
  const int th = std::max(1, static_cast<int>(std::lround(2 * u)));
  for (const Label& l : L.labels)
    cv::putText(img, l.text, l.origin, cv::FONT_HERSHEY_SIMPLEX, l.scale, kSilk, th, cv::LINE_AA);
  for (const cv::Rect& e : L.extras) {  // tiny part: dark body, metal ends along its long side
    const bool vertical = e.height >= e.width;
    const int term = std::max(1, (vertical ? e.height : e.width) / 5);
    cv::rectangle(img, e, cv::Scalar(18, 18, 18), cv::FILLED);
    if (vertical) {
      cv::rectangle(img, cv::Rect(e.x, e.y, e.width, term), kTerminal, cv::FILLED);
      cv::rectangle(img, cv::Rect(e.x, e.br().y - term, e.width, term), kTerminal, cv::FILLED);
    } else {
      cv::rectangle(img, cv::Rect(e.x, e.y, term, e.height), kTerminal, cv::FILLED);
      cv::rectangle(img, cv::Rect(e.br().x - term, e.y, term, e.height), kTerminal, cv::FILLED);
    }
  }
  return img;
}

}  // namespace sg::inspect::detail
