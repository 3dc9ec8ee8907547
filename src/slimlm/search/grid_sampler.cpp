#include "slimlm/search/grid_sampler.h"

#include "slimlm/core/error.h"

namespace slimlm::search {

std::vector<Candidate> GridSampler::propose(const SamplerContext& ctx) const {
  const SearchSpace& space = ctx.space;
  for (size_t i = 0; i < space.size(); ++i) {
    if (space.param_grid_size(i) == 0) {
      throw ConfigError("grid sampler: float parameter '" + space.params()[i].name +
                        "' needs a step");
    }
  }
  CandidateSet seen(space);
  for (const Observation& o : ctx.history) seen.insert(o.x);
  const uint64_t total = space.grid_size();
  std::vector<Candidate> out;
  Candidate c(space.size());
  for (uint64_t index = 0; index < total && out.size() < ctx.count; ++index) {
    // Mixed-radix digits of index, the last parameter the fastest.
    uint64_t rest = index;
    for (size_t i = space.size(); i-- > 0;) {
      const uint64_t n = space.param_grid_size(i);
      c[i] = space.grid_value(i, rest % n);
      rest /= n;
    }
    if (seen.insert(c)) out.push_back(c);
  }
  return out;
}

}  // namespace slimlm::search
