#include "slimlm/search/hypervolume.h"

#include <algorithm>
#include <string>

#include "slimlm/core/error.h"

namespace slimlm::search {
namespace {

// Points below work on their first d coordinates only: WFG slices off the
// last objective at each level, and the limit sets it builds are copies.

double box_volume(const Point& p, size_t d, std::span<const double> ref) {
  double v = 1.0;
  for (size_t i = 0; i < d; ++i) v *= ref[i] - p[i];
  return v;
}

// a <= b in the first d coordinates.
bool weakly_dominates(const Point& a, const Point& b, size_t d) {
  for (size_t i = 0; i < d; ++i) {
    if (a[i] > b[i]) return false;
  }
  return true;
}

// Keeps the points no other point weakly dominates (one copy of duplicates).
// After a lexicographic sort a point can only be weakly dominated by one
// before it.
void keep_nondominated(std::vector<Point>& pts, size_t d) {
  std::sort(pts.begin(), pts.end(), [d](const Point& a, const Point& b) {
    return std::lexicographical_compare(a.begin(), a.begin() + d, b.begin(), b.begin() + d);
  });
  size_t kept = 0;
  for (size_t i = 0; i < pts.size(); ++i) {
    bool dominated = false;
    for (size_t j = 0; j < kept && !dominated; ++j) dominated = weakly_dominates(pts[j], pts[i], d);
    if (!dominated) {
      if (kept != i) pts[kept] = std::move(pts[i]);
      ++kept;
    }
  }
  pts.resize(kept);
}

// 2-D sweep: by the first objective ascending, each point that improves the
// best second objective so far adds the strip between the two.
double sweep_2d(std::vector<Point>& pts, std::span<const double> ref) {
  std::sort(pts.begin(), pts.end(), [](const Point& a, const Point& b) {
    return a[0] < b[0] || (a[0] == b[0] && a[1] < b[1]);
  });
  double volume = 0.0, best = ref[1];
  for (const Point& p : pts) {
    if (p[1] < best) {
      volume += (ref[0] - p[0]) * (best - p[1]);
      best = p[1];
    }
  }
  return volume;
}

// Hypervolume of pts (all strictly inside the reference) in d dimensions.
// WFG: with the points sorted by the last objective descending, the volume
// is the sum over k of what p_k adds to the points after it,
//   exclusive(p_k) = box(p_k) - hv({max(p_k, p_j) : j > k}),
// and every point of that limit set shares p_k's last objective (the later
// points are no worse in it), so the subtraction happens in d - 1 dimensions
// times the slab height ref[d-1] - p_k[d-1].
double wfg(std::vector<Point>& pts, size_t d, std::span<const double> ref) {
  if (pts.empty()) return 0.0;
  if (d == 1) {
    double best = pts[0][0];
    for (const Point& p : pts) best = std::min(best, p[0]);
    return ref[0] - best;
  }
  if (d == 2) return sweep_2d(pts, ref);
  if (pts.size() == 1) return box_volume(pts[0], d, ref);
  const size_t last = d - 1;
  std::sort(pts.begin(), pts.end(),
            [last](const Point& a, const Point& b) { return a[last] > b[last]; });
  double volume = 0.0;
  std::vector<Point> limit;
  for (size_t k = 0; k < pts.size(); ++k) {
    const double height = ref[last] - pts[k][last];
    limit.clear();
    for (size_t j = k + 1; j < pts.size(); ++j) {
      Point q(last);
      for (size_t i = 0; i < last; ++i) q[i] = std::max(pts[k][i], pts[j][i]);
      limit.push_back(std::move(q));
    }
    if (last > 2) keep_nondominated(limit, last);  // the 2-D sweep ignores dominated points itself
    const double exclusive = box_volume(pts[k], last, ref) - wfg(limit, last, ref);
    volume += height * std::max(exclusive, 0.0);
  }
  return volume;
}

void check_reference(std::span<const Point> points, std::span<const double> reference) {
  if (reference.empty()) throw Error("hypervolume: empty reference point");
  for (const Point& p : points) {
    if (p.size() != reference.size()) {
      throw Error("hypervolume: a point with " + std::to_string(p.size()) +
                  " objectives against a reference with " + std::to_string(reference.size()));
    }
  }
}

bool inside(const Point& p, std::span<const double> reference) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (!(p[i] < reference[i])) return false;
  }
  return true;
}

}  // namespace

double hypervolume(std::span<const Point> points, std::span<const double> reference) {
  check_reference(points, reference);
  std::vector<Point> pts;
  pts.reserve(points.size());
  for (const Point& p : points) {
    if (inside(p, reference)) pts.push_back(p);
  }
  const size_t d = reference.size();
  if (d > 2) keep_nondominated(pts, d);
  return wfg(pts, d, reference);
}

std::vector<double> hypervolume_contributions(std::span<const Point> points,
                                              std::span<const double> reference) {
  check_reference(points, reference);
  const size_t n = points.size(), d = reference.size();
  std::vector<size_t> in;
  for (size_t i = 0; i < n; ++i) {
    if (inside(points[i], reference)) in.push_back(i);
  }
  std::vector<double> contribution(n, 0.0);
  std::vector<Point> limit;
  for (size_t i : in) {
    // What p_i alone covers: its box minus the part the others also cover,
    // which is the hypervolume of {max(p_i, p_j)}.
    bool covered = false;
    limit.clear();
    for (size_t j : in) {
      if (j == i) continue;
      if (weakly_dominates(points[j], points[i], d)) {
        covered = true;  // dominated or a duplicate: nothing of its own
        break;
      }
      Point q(d);
      for (size_t k = 0; k < d; ++k) q[k] = std::max(points[i][k], points[j][k]);
      limit.push_back(std::move(q));
    }
    if (covered) continue;
    if (d > 2) keep_nondominated(limit, d);
    contribution[i] = std::max(box_volume(points[i], d, reference) - wfg(limit, d, reference), 0.0);
  }
  return contribution;
}

}  // namespace slimlm::search
