#pragma once
// NSGA-II (Deb, Pratap, Agarwal, Meyarivan 2002) with constrained domination.
// Stateless: the parent population is rebuilt by replaying the history
// generation by generation, P_{t+1} = the best `population` of P_t ∪ Q_t by
// front then crowding distance, where Q_t is the history of generation t+1
// and P_0 the best of generation 0. Offspring: binary tournament on (front,
// crowding), SBX crossover and polynomial mutation on numeric parameters (in
// log space where log-scaled, ints rounded), uniform crossover and
// random-reset mutation on categoricals. Generation 0 (or a history with no
// parents) is uniform random. Failed trials are infeasible with a violation
// larger than any real one.
#include <cstddef>
#include <memory>
#include <vector>

#include "slimlm/search/sampler.h"

namespace slimlm::search {

struct Nsga2Options {
  size_t population = 20;       // used when SamplerContext::population is 0
  double crossover_prob = 0.9;  // per pair
  double eta_crossover = 15;    // SBX distribution index
  double eta_mutation = 20;     // polynomial mutation distribution index
  double mutation_prob = 0;     // per parameter; 0 = 1 / number of parameters
};

class Nsga2Sampler final : public Sampler {
 public:
  explicit Nsga2Sampler(Nsga2Options options = {});
  ~Nsga2Sampler() override;
  std::string_view name() const override { return "nsga2"; }
  std::vector<Candidate> propose(const SamplerContext& ctx) const override;

  // The parent population of ctx.generation (indices into ctx.history, in
  // selection order: by front, then crowding distance descending).
  std::vector<size_t> parents(const SamplerContext& ctx) const;

  // A member of a parent population.
  struct Member {
    size_t index;  // into the history
    size_t rank;   // front, 0 = best
    double crowding;
  };

 private:
  // The replay of a long study costs a non-dominated sort per generation, so
  // the last parent populations are kept, keyed by a fingerprint of the
  // history that produced them. A hit gives exactly what the replay would.
  struct ReplayCache;

  size_t population(const SamplerContext& ctx) const;
  std::vector<Member> replay(const SamplerContext& ctx) const;
  Nsga2Options options_;
  std::unique_ptr<ReplayCache> cache_;
};

}  // namespace slimlm::search
