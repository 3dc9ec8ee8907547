#pragma once
// Pareto utilities (Deb et al. 2002, "A fast and elitist multiobjective
// genetic algorithm: NSGA-II"). Every point is in minimisation form
// (objective.h: to_minimization) and all points have the same size.
// Violations are >= 0, 0 meaning feasible.
#include <cstddef>
#include <span>
#include <vector>

namespace slimlm::search {

using Point = std::vector<double>;

// a is no worse than b in every objective and better in at least one.
bool dominates(std::span<const double> a, std::span<const double> b);

// Constrained domination (Deb 2002): a feasible point beats an infeasible one,
// the smaller violation wins between infeasible ones (equal: neither), plain
// dominance between feasible ones.
bool constrained_dominates(std::span<const double> a, double va, std::span<const double> b,
                           double vb);

// Fast non-dominated sort: fronts in order (the first is the Pareto front),
// indices ascending within a front. With violations (one per point, or empty
// for all feasible) the order is constrained domination's.
std::vector<std::vector<size_t>> non_dominated_sort(std::span<const Point> points,
                                                    std::span<const double> violations = {});

// Crowding distance of each point of one front (aligned with front_indices):
// the sum over objectives of the gap between its two neighbours, divided by
// that objective's range within the front; the boundary points of each
// objective are infinite (fronts of one or two points: all infinite).
std::vector<double> crowding_distance(std::span<const Point> points,
                                      std::span<const size_t> front_indices);

// The first front (indices ascending).
std::vector<size_t> pareto_front(std::span<const Point> points,
                                 std::span<const double> violations = {});

}  // namespace slimlm::search
