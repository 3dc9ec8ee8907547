#pragma once
// Perplexity of a model on a token stream under one of the two protocols of
// eval/ppl_protocol.h, with llama-perplexity's standard error.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "slimlm/core/tensor.h"
#include "slimlm/eval/ppl_protocol.h"

namespace slimlm::model {
class Model;
}

namespace slimlm::eval {

// Scores B rows of T tokens and returns logits f32 [B, T, V]
// (model::Model::score without padding); a function so that tests can feed
// logits without a model.
using ScoreFn = std::function<Tensor(std::span<const int32_t> tokens, int64_t B, int64_t T)>;

ScoreFn score_fn(const model::Model& m);

struct PerplexityOptions {
  PplProtocol protocol = PplProtocol::kLlamaCpp;
  int64_t ctx = 512;
  int64_t limit_chunks = 0;  // <= 0: every full window
  int64_t batch = 1;         // windows per score() call
  int32_t bos = -1;          // llama.cpp: the id that starts every window
  bool progress = true;
};

// Windows per score() call when the user gave none: llama-perplexity's
// n_batch 2048 / ctx, capped so one batch of logits stays under 256 MiB.
int64_t default_batch(int64_t ctx, int64_t vocab);

// Running sums over scored tokens (pure; the unit tests feed it NLLs).
class PerplexityAccumulator {
 public:
  void add(double nll) {
    sum_ += nll;
    sum2_ += nll * nll;
    ++count_;
  }
  uint64_t count() const { return count_; }
  double nll_sum() const { return sum_; }
  double nll2_sum() const { return sum2_; }
  double mean_nll() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  double ppl() const;
  // llama.cpp: ppl · sqrt((E[nll²] − E[nll]²) / (N − 1)) (delta method).
  double ppl_stderr() const;

 private:
  double sum_ = 0.0;
  double sum2_ = 0.0;
  uint64_t count_ = 0;
};

struct PerplexityResult {
  PplProtocol protocol = PplProtocol::kLlamaCpp;
  int64_t ctx = 0;
  int64_t chunks = 0;        // windows evaluated
  int64_t chunks_total = 0;  // full windows in the text
  int64_t batch = 1;
  uint64_t tokens = 0;       // tokens in the protocol's stream
  uint64_t tokens_scored = 0;
  double nll_sum = 0.0;
  double mean_nll = 0.0;
  double ppl = 0.0;
  double ppl_stderr = 0.0;
  std::vector<double> window_mean_nll;  // one per window, in order
  double seconds = 0.0;
};

// Evaluates `tokens` (already in the protocol's form, see protocol_tokens).
// Per-token NLLs are summed in window order, so the result does not depend
// on the thread count.
PerplexityResult evaluate_perplexity(const ScoreFn& score, std::span<const int32_t> tokens,
                                     const PerplexityOptions& opts);

}  // namespace slimlm::eval
