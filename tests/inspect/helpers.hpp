#pragma once
// Shared test helpers: matching findings/regions against generator ground truth.
#include <vector>

#include "supplyguard/gen/board.hpp"
#include "supplyguard/inspect/inspect.hpp"

namespace sg::inspect::test {

// A region "hits" a plant when their golden boxes overlap (after growing the plant by a few px,
// since the detector's box is the changed pixels, not the part outline).
inline bool hits(const cv::Rect& region, const cv::Rect& plant, int slack = 4) {
  const cv::Rect grown(plant.x - slack, plant.y - slack, plant.width + 2 * slack, plant.height + 2 * slack);
  return (region & grown).area() > 0;
}

inline ChangeKind expected_kind(PlantKind k) {
  return k == PlantKind::extra ? ChangeKind::extra : k == PlantKind::missing ? ChangeKind::missing : ChangeKind::changed;
}

struct Score {
  int plants = 0, found = 0, found_right_kind = 0, false_positives = 0;
};

inline Score score(const Result& r, const Truth& t) {
  Score s;
  s.plants = static_cast<int>(t.plants.size());
  for (const Plant& p : t.plants) {
    bool any = false, right = false;
    for (const Region& g : r.regions)
      if (hits(g.bbox, p.bbox)) {
        any = true;
        right = right || g.kind == expected_kind(p.kind);
      }
    s.found += any;
    s.found_right_kind += right;
  }
  for (const Region& g : r.regions) {
    bool on_plant = false;
    for (const Plant& p : t.plants) on_plant = on_plant || hits(g.bbox, p.bbox);
    s.false_positives += !on_plant;
  }
  return s;
}

}  // namespace sg::inspect::test
