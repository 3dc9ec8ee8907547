#include "slimlm/search/pareto.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "slimlm/core/error.h"

namespace slimlm::search {
namespace {

void check_sizes(size_t a, size_t b) {
  if (a != b) {
    throw Error("Pareto comparison of points with " + std::to_string(a) + " and " +
                std::to_string(b) + " objectives");
  }
}

bool feasible(double v) { return !(v > 0); }

}  // namespace

bool dominates(std::span<const double> a, std::span<const double> b) {
  check_sizes(a.size(), b.size());
  bool better = false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] > b[i]) return false;
    if (a[i] < b[i]) better = true;
  }
  return better;
}

bool constrained_dominates(std::span<const double> a, double va, std::span<const double> b,
                           double vb) {
  const bool fa = feasible(va), fb = feasible(vb);
  if (fa && fb) return dominates(a, b);
  if (fa != fb) return fa;
  return va < vb;
}

std::vector<std::vector<size_t>> non_dominated_sort(std::span<const Point> points,
                                                    std::span<const double> violations) {
  const size_t n = points.size();
  if (!violations.empty() && violations.size() != n) {
    throw Error("non_dominated_sort: " + std::to_string(violations.size()) + " violations for " +
                std::to_string(n) + " points");
  }
  for (const Point& p : points) check_sizes(p.size(), points[0].size());
  const size_t m = n ? points[0].size() : 0;
  // One pass per pair decides both directions: -1 if i beats j, 1 if j
  // beats i, 0 otherwise (this loop is the cost of an NSGA-II replay).
  auto compare = [&](size_t i, size_t j) -> int {
    if (!violations.empty()) {
      const bool fi = feasible(violations[i]), fj = feasible(violations[j]);
      if (fi != fj) return fi ? -1 : 1;
      if (!fi) return violations[i] < violations[j] ? -1 : (violations[j] < violations[i] ? 1 : 0);
    }
    const double* a = points[i].data();
    const double* b = points[j].data();
    bool a_better = false, b_better = false;
    for (size_t k = 0; k < m; ++k) {
      if (a[k] < b[k]) a_better = true;
      else if (b[k] < a[k]) b_better = true;
      if (a_better && b_better) return 0;
    }
    return a_better ? -1 : (b_better ? 1 : 0);
  };

  // Deb's O(M N^2) bookkeeping: who each point dominates, and by how many
  // points it is dominated; peel off the zero counts front by front.
  std::vector<std::vector<size_t>> dominated(n);
  std::vector<size_t> count(n, 0);
  std::vector<std::vector<size_t>> fronts;
  std::vector<size_t> current;
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = i + 1; j < n; ++j) {
      const int c = compare(i, j);
      if (c < 0) {
        dominated[i].push_back(j);
        ++count[j];
      } else if (c > 0) {
        dominated[j].push_back(i);
        ++count[i];
      }
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (count[i] == 0) current.push_back(i);
  }
  while (!current.empty()) {
    std::vector<size_t> next;
    for (size_t i : current) {
      for (size_t j : dominated[i]) {
        if (--count[j] == 0) next.push_back(j);
      }
    }
    std::sort(next.begin(), next.end());
    fronts.push_back(std::move(current));
    current = std::move(next);
  }
  return fronts;
}

std::vector<double> crowding_distance(std::span<const Point> points,
                                      std::span<const size_t> front_indices) {
  const size_t n = front_indices.size();
  constexpr double kInf = std::numeric_limits<double>::infinity();
  if (n <= 2) return std::vector<double>(n, kInf);
  const size_t m = points[front_indices[0]].size();
  std::vector<double> distance(n, 0.0);
  std::vector<size_t> order(n);
  for (size_t k = 0; k < m; ++k) {
    std::iota(order.begin(), order.end(), size_t{0});
    // Ties broken by position so that the result does not depend on the sort.
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      const double va = points[front_indices[a]][k], vb = points[front_indices[b]][k];
      return va < vb || (va == vb && a < b);
    });
    const double lo = points[front_indices[order.front()]][k];
    const double hi = points[front_indices[order.back()]][k];
    distance[order.front()] = kInf;
    distance[order.back()] = kInf;
    const double range = hi - lo;
    if (!(range > 0) || !std::isfinite(range)) continue;  // a flat objective separates nobody
    for (size_t r = 1; r + 1 < n; ++r) {
      const double gap =
          points[front_indices[order[r + 1]]][k] - points[front_indices[order[r - 1]]][k];
      distance[order[r]] += gap / range;
    }
  }
  return distance;
}

std::vector<size_t> pareto_front(std::span<const Point> points,
                                 std::span<const double> violations) {
  if (points.empty()) return {};
  // The first front only: the points nobody beats, no need for the full sort.
  const size_t n = points.size();
  if (!violations.empty() && violations.size() != n) {
    throw Error("pareto_front: " + std::to_string(violations.size()) + " violations for " +
                std::to_string(n) + " points");
  }
  std::vector<size_t> front;
  for (size_t i = 0; i < n; ++i) {
    bool beaten = false;
    for (size_t j = 0; j < n && !beaten; ++j) {
      if (j == i) continue;
      beaten = violations.empty()
                   ? dominates(points[j], points[i])
                   : constrained_dominates(points[j], violations[j], points[i], violations[i]);
    }
    if (!beaten) front.push_back(i);
  }
  return front;
}

}  // namespace slimlm::search
