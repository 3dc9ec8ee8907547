#include "slimlm/search/random_sampler.h"

#include <cmath>

namespace slimlm::search {

Candidate sample_uniform(const SearchSpace& space, Rng& rng) {
  Candidate c(space.size());
  for (size_t i = 0; i < space.size(); ++i) {
    const Param& p = space.params()[i];
    if (p.log) {
      // Ints widen by half a unit each side so that the end values get their
      // full share after rounding.
      const double half = p.kind == Param::Kind::kInt ? 0.5 : 0.0;
      c[i] = std::exp(rng.uniform(std::log(p.low - half), std::log(p.high + half)));
    } else if (const uint64_t n = space.param_grid_size(i); n > 0) {
      c[i] = space.grid_value(i, rng.below(n));
    } else {
      c[i] = rng.uniform(p.low, p.high);
    }
  }
  return space.clamp(std::move(c));
}

std::vector<Candidate> RandomSampler::propose(const SamplerContext& ctx) const {
  auto draw = [&](Rng& rng) { return sample_uniform(ctx.space, rng); };
  return collect_batch(ctx, /*salt=*/0x52414E44 /* "RAND" */, draw, draw);
}

}  // namespace slimlm::search
