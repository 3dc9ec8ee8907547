#pragma once
// A small, fully specified random generator for the samplers. The standard
// library's distributions are implementation-defined, and a study must draw
// the same candidates on every machine and after a resume, so the bits and
// the distributions are ours: xoshiro256** seeded through splitmix64.
#include <cstdint>

namespace slimlm::search {

// A seed derived from a base seed and stream identifiers (generation,
// sampler salt ...): distinct inputs give unrelated streams.
uint64_t mix_seed(uint64_t seed, uint64_t a, uint64_t b = 0);

class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t next();
  double uniform();                      // [0, 1), 53 random bits
  double uniform(double lo, double hi);  // [lo, hi)
  uint64_t below(uint64_t n);            // uniform in [0, n), unbiased; n > 0
  double normal();                       // standard normal (polar Box-Muller)

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  double spare_ = 0;
};

}  // namespace slimlm::search
