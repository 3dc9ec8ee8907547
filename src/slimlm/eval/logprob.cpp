#include "slimlm/eval/logprob.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "slimlm/core/error.h"

namespace slimlm::eval {
namespace {

struct RowMax {
  float value;
  int32_t index;
};

RowMax row_max(std::span<const float> x) {
  RowMax m{-std::numeric_limits<float>::infinity(), 0};
  for (size_t i = 0; i < x.size(); ++i) {
    if (x[i] > m.value) m = {x[i], static_cast<int32_t>(i)};
  }
  return m;
}

void check_row(std::span<const float> logits, float max, int32_t target) {
  if (logits.empty()) throw Error("log-softmax of an empty logits row");
  if (target < 0 || static_cast<size_t>(target) >= logits.size()) {
    throw Error(fmt::format("token id {} outside the vocabulary of {} logits", target, logits.size()));
  }
  if (!std::isfinite(max)) {
    throw Error(fmt::format("the logits row has no finite maximum ({}): the forward pass "
                            "produced inf or NaN", max));
  }
}

double sum_exp_shifted(std::span<const float> x, float max) {
  double sum = 0.0;
  for (float v : x) sum += static_cast<double>(std::exp(v - max));
  return sum;
}

}  // namespace

double log_sum_exp(std::span<const float> logits) {
  const RowMax m = row_max(logits);
  check_row(logits, m.value, 0);
  return static_cast<double>(m.value) + std::log(sum_exp_shifted(logits, m.value));
}

double token_nll(std::span<const float> logits, int32_t target) {
  const RowMax m = row_max(logits);
  check_row(logits, m.value, target);
  const double lse = static_cast<double>(m.value) + std::log(sum_exp_shifted(logits, m.value));
  return lse - static_cast<double>(logits[static_cast<size_t>(target)]);
}

KlRow kl_row(std::span<const float> base, std::span<const float> model, int32_t target) {
  if (base.size() != model.size()) {
    throw Error(fmt::format("KL divergence of rows of different vocabularies ({} vs {})",
                            base.size(), model.size()));
  }
  const RowMax mb = row_max(base);
  const RowMax mm = row_max(model);
  check_row(base, mb.value, target);
  check_row(model, mm.value, target);

  double sum_b = 0.0;
  double dot = 0.0;  // Σ e_b,i · (log p_b,i − log p_m,i) before dividing by sum_b
  const double sum_m = sum_exp_shifted(model, mm.value);
  const double lse_m = static_cast<double>(mm.value) + std::log(sum_m);
  // log p_b,i − log p_m,i = (b_i − lse_b) − (m_i − lse_m); lse_b is only known
  // after the loop, so accumulate Σ e_i (b_i − m_i) and Σ e_i and fold it in.
  for (size_t i = 0; i < base.size(); ++i) {
    const double e = static_cast<double>(std::exp(base[i] - mb.value));
    sum_b += e;
    dot += e * (static_cast<double>(base[i]) - static_cast<double>(model[i]));
  }
  const double lse_b = static_cast<double>(mb.value) + std::log(sum_b);

  KlRow r;
  r.kl = dot / sum_b - lse_b + lse_m;
  r.nll_base = lse_b - static_cast<double>(base[static_cast<size_t>(target)]);
  r.nll_model = lse_m - static_cast<double>(model[static_cast<size_t>(target)]);
  r.top_base = mb.index;
  r.top_model = mm.index;
  return r;
}

}  // namespace slimlm::eval
