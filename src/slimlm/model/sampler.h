#pragma once
// Next-token sampling from a row of logits [V].
//
// Order of the filters (transformers' generate() order; llama.cpp differs only
// in applying temperature last):
//   1. repetition penalty on the last `repeat_last_n` accepted tokens
//      (CTRL rule: a positive logit is divided by the penalty, a negative one
//      multiplied);
//   2. temperature: logits / T; T <= 0 means greedy (argmax, ties to the
//      lowest id) and skips everything below;
//   3. top-k: the k largest logits survive;
//   4. top-p (nucleus) on the softmax of the temperature-scaled survivors: the
//      shortest prefix, by descending probability, whose mass reaches p;
//   5. min-p: tokens whose probability is below min_p × the largest survive
//      no longer;
//   6. one draw from the renormalised survivors with std::mt19937_64.
// With llama.cpp's chain the nucleus is cut on the untempered softmax; at
// T = 1 the two orders agree exactly.
#include <cstdint>
#include <deque>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace slimlm::model {

struct SamplerParams {
  // llama.cpp's defaults.
  float temperature = 0.8f;
  int32_t top_k = 40;       // <= 0: off
  float top_p = 0.95f;      // >= 1: off
  float min_p = 0.0f;       // <= 0: off
  float repeat_penalty = 1.0f;  // 1: off
  int32_t repeat_last_n = 64;   // -1: the whole history
  uint64_t seed = 0;

  bool greedy() const { return temperature <= 0.0f; }
};

// Throws ConfigError naming the bad field (negative temperature is allowed:
// it means greedy, as in llama.cpp).
void validate(const SamplerParams& p);
// "temp 0.80, top-k 40, top-p 0.95, seed 0" for logs.
std::string describe(const SamplerParams& p);

struct TokenProb {
  int32_t id;
  double p;
};

class Sampler {
 public:
  explicit Sampler(SamplerParams params);

  const SamplerParams& params() const { return params_; }

  // The distribution sample() draws from: the survivors of every filter with
  // their renormalised probabilities, by descending probability (ties: lower
  // id first). Greedy gives one token with p = 1.
  std::vector<TokenProb> distribution(std::span<const float> logits) const;

  // Draws a token; does not add it to the penalty history (accept() does).
  int32_t sample(std::span<const float> logits);

  // Records a token of the sequence (prompt or generated) for the
  // repetition penalty.
  void accept(int32_t token);
  void accept(std::span<const int32_t> tokens);

  // Forgets the history and restarts the random stream from `seed`.
  void reset(uint64_t seed);

 private:
  SamplerParams params_;
  std::mt19937_64 rng_;
  std::deque<int32_t> history_;
};

// Index of the largest logit, the lowest on ties; -1 for an empty row.
int32_t argmax(std::span<const float> logits);

}  // namespace slimlm::model
