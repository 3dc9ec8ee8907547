#pragma once
// A minimal study driver for the sampler tests: generation by generation it
// asks for what is missing from the batch, evaluates, appends to history —
// what the runner does, minus the registry. Resuming is calling it again
// with a truncated history.
#include <cmath>
#include <functional>
#include <vector>

#include "slimlm/search/hypervolume.h"
#include "slimlm/search/pareto.h"
#include "slimlm/search/sampler.h"

namespace slimlm::search::testing {

using Evaluate = std::function<Observation(const Candidate&)>;

// Runs generations [first, last) with `batch` trials each, continuing from
// `history` (which may hold part of generation `first`).
inline std::vector<Observation> run_study(const Sampler& sampler, const SearchSpace& space,
                                          const Evaluate& evaluate, int64_t first, int64_t last,
                                          size_t batch, uint64_t seed,
                                          std::vector<Observation> history = {},
                                          size_t population = 0) {
  for (int64_t g = first; g < last; ++g) {
    size_t done = 0;
    for (const Observation& o : history) done += o.generation == g;
    if (done >= batch) continue;
    const SamplerContext ctx{space, history, batch - done, seed, g, population};
    for (const Candidate& x : sampler.propose(ctx)) {
      Observation o = evaluate(x);
      o.x = x;
      o.generation = g;
      history.push_back(std::move(o));
    }
  }
  return history;
}

inline double study_hypervolume(const std::vector<Observation>& history, const Point& reference) {
  std::vector<Point> pts;
  for (const Observation& o : history) {
    if (!o.failed && o.violation <= 0) pts.push_back(o.objectives);
  }
  return hypervolume(pts, reference);
}

// ZDT1 (Zitzler, Deb, Thiele 2000) on the first n parameters:
// f1 = x1, g = 1 + 9 mean(x2..xn), f2 = g (1 − sqrt(f1 / g)); its Pareto
// front is g = 1, f2 = 1 − sqrt(f1).
inline Observation zdt1(const Candidate& x) {
  double s = 0;
  for (size_t i = 1; i < x.size(); ++i) s += x[i];
  const double g = 1 + 9 * s / static_cast<double>(x.size() - 1);
  Observation o;
  o.objectives = {x[0], g * (1 - std::sqrt(x[0] / g))};
  return o;
}

}  // namespace slimlm::search::testing
