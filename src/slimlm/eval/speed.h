#pragma once
// Prompt-processing (pp) and token-generation (tg) speed, measured the way
// llama-bench does: a warm-up run, then r timed repetitions, each reported as
// tokens/s; the rows carry mean ± sample standard deviation of those rates.
#include <cstdint>
#include <string>
#include <vector>

#include "slimlm/eval/stats.h"

namespace slimlm::model {
class Model;
}

namespace slimlm::eval {

enum class SpeedKind : uint8_t { kPrefill = 0, kDecode = 1 };

struct SpeedResult {
  SpeedKind kind = SpeedKind::kPrefill;
  std::string test;        // "pp512", "tg128"
  int64_t n_tokens = 0;    // per sequence
  int64_t batch = 1;       // sequences per repetition
  std::vector<double> seconds;  // one per repetition
  std::vector<double> tps;      // tokens/s per repetition
  MeanSd rate;                  // of tps
  double mean_seconds() const;
};

struct SpeedOptions {
  int repetitions = 5;
  int warmup = 1;
  uint64_t seed = 1234;  // the random token ids fed to the model
};

// pp: n_prompt random tokens. batch == 1 prefills a fresh KV cache in one
// decode() call (what generation does); batch > 1 scores `batch` rows of
// n_prompt tokens in one score() call. Rate = batch · n_prompt / time.
SpeedResult bench_prefill(const model::Model& m, int64_t n_prompt, int64_t batch,
                          const SpeedOptions& opts);

// tg: n_gen tokens decoded one at a time into an empty cache (random ids, no
// sampling, as llama-bench's tg). Rate = n_gen / time.
SpeedResult bench_decode(const model::Model& m, int64_t n_gen, const SpeedOptions& opts);

}  // namespace slimlm::eval
