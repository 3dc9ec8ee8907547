#pragma once
// Multi-objective TPE (MOTPE: Ozaki et al. 2020; as Optuna's TPESampler does
// for several objectives, univariate). The observations before this
// generation are split into good and bad: feasible ones ranked by
// non-dominated sorting, the boundary front cut by greedy hypervolume subset
// selection, n_good = ceil(0.10 n) clamped to [1, 25]; infeasible and failed
// ones are bad. Each parameter gets two Parzen estimators, l from the good
// and g from the bad (truncated Gaussian kernels with Optuna's bandwidth rule
// for numeric parameters, smoothed counts for categoricals, each with a
// prior kernel); good points are weighted by their hypervolume contribution.
// `n_ei_candidates` draws from l, the one maximising l/g wins. The first
// `n_startup` completed trials are uniform random.
#include <cstddef>

#include "slimlm/search/sampler.h"

namespace slimlm::search {

struct TpeOptions {
  size_t n_startup = 10;
  size_t n_ei_candidates = 24;
  double prior_weight = 1.0;
  double gamma = 0.10;   // fraction of good observations (ceil)
  size_t max_good = 25;  // at most this many
  bool consider_magic_clip = true;
  bool consider_endpoints = false;
};

class TpeSampler final : public Sampler {
 public:
  explicit TpeSampler(TpeOptions options = {}) : options_(options) {}
  std::string_view name() const override { return "tpe"; }
  std::vector<Candidate> propose(const SamplerContext& ctx) const override;

 private:
  TpeOptions options_;
};

}  // namespace slimlm::search
