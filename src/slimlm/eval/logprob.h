#pragma once
// Log-probabilities of a logits row [V], numerically stable: the maximum is
// subtracted before exp (f32, exact enough there: every term is in (0, 1]),
// sums and logs in f64.
#include <cstdint>
#include <span>

namespace slimlm::eval {

// log Σ_i exp(logits[i]).
double log_sum_exp(std::span<const float> logits);

// −log softmax(logits)[target]: the negative log-likelihood of `target`.
double token_nll(std::span<const float> logits, int32_t target);

// One scored position compared between a base model and a model.
struct KlRow {
  double kl = 0.0;         // KL(base ‖ model) = Σ_i p_base,i (log p_base,i − log p_model,i)
  double nll_base = 0.0;   // −log p_base(target)
  double nll_model = 0.0;  // −log p_model(target)
  int32_t top_base = -1;   // argmax, lowest id on ties
  int32_t top_model = -1;
};

// Both rows have the same length V; target < V.
KlRow kl_row(std::span<const float> base_logits, std::span<const float> model_logits,
             int32_t target);

}  // namespace slimlm::eval
