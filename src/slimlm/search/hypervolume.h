#pragma once
// Exact hypervolume of a set of points (minimisation form) against a
// reference point: the measure of the region dominated by the set and
// bounded by the reference. Points that are not strictly better than the
// reference in every objective contribute nothing; dominated points and
// duplicates are fine. 1-D and 2-D by a sweep, more objectives by WFG
// (While, Bradstreet, Barone 2012) with one objective sliced off per level.
#include <span>
#include <vector>

#include "slimlm/search/pareto.h"

namespace slimlm::search {

double hypervolume(std::span<const Point> points, std::span<const double> reference);

// The exclusive contribution of each point: hypervolume(all) minus
// hypervolume(all but that point). Dominated points, duplicates and points
// outside the reference box contribute 0.
std::vector<double> hypervolume_contributions(std::span<const Point> points,
                                              std::span<const double> reference);

}  // namespace slimlm::search
