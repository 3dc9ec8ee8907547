#pragma once
// Uniform random search (log-uniform where a parameter is log-scaled),
// one stream per (seed, generation).
#include "slimlm/search/sampler.h"

namespace slimlm::search {

// One uniform draw from the whole space: choices and grid points equally
// likely; continuous floats uniform (log-uniform) between the bounds; log
// ints log-uniform over [low - 0.5, high + 0.5] and rounded.
Candidate sample_uniform(const SearchSpace& space, Rng& rng);

class RandomSampler final : public Sampler {
 public:
  std::string_view name() const override { return "random"; }
  std::vector<Candidate> propose(const SamplerContext& ctx) const override;
};

}  // namespace slimlm::search
