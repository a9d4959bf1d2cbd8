#pragma once
// Internal: a board as a list of parts, so that golden and variant are drawn by the same code
// and a plant is an edit of the layout, not of pixels.
#include <cstdint>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace sg::inspect::detail {

enum class PassiveType { resistor, capacitor };

struct Passive {
  cv::Rect body;       // full part outline including terminals
  bool vertical;       // terminals at top and bottom
  PassiveType type;
  bool removed = false;  // pads only (a "missing" plant)
};

struct Ic {
  cv::Rect body;
  int pin_pitch;
  std::string marking;
  std::string refdes;
};

struct Connector {
  cv::Rect body;
  bool vertical;
};

struct Trace {
  std::vector<cv::Point> points;
  int thickness;
};

struct Label {
  std::string text;
  cv::Point origin;
  double scale;
};

struct Layout {
  int width = 0, height = 0;
  double unit = 1.0;  // pixels per "4000-px-board pixel"
  std::uint64_t seed = 0;
  std::vector<Trace> traces;
  std::vector<Connector> connectors;
  std::vector<Ic> ics;
  std::vector<Passive> passives;
  std::vector<std::vector<int>> rows;  // passives in a row, in order along the row
  std::vector<cv::Point> holes;
  std::vector<Label> labels;
  std::vector<cv::Rect> extras;        // planted tiny parts (variant only)
};

Layout build_layout(std::uint64_t seed, int width, int height);
cv::Mat draw_layout(const Layout& layout);

}  // namespace sg::inspect::detail
