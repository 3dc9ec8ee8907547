#pragma once
// Grid search: the grid in lexicographic order (the first parameter varies
// slowest), skipping candidates already in history. Floats need a step.
#include "slimlm/search/sampler.h"

namespace slimlm::search {

class GridSampler final : public Sampler {
 public:
  std::string_view name() const override { return "grid"; }
  std::vector<Candidate> propose(const SamplerContext& ctx) const override;
};

}  // namespace slimlm::search
