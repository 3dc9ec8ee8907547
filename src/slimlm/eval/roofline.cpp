#include "slimlm/eval/roofline.h"

#include <algorithm>

namespace slimlm::eval {

std::vector<GemmShape> projection_shapes(const io::ModelConfig& c, int64_t M, int64_t logit_rows) {
  const int64_t C = c.hidden_size, F = c.intermediate_size, L = c.num_hidden_layers;
  std::vector<GemmShape> s = {
      {M, c.q_dim(), C, "q_proj", L},
      {M, c.kv_dim(), C, "k_proj+v_proj", 2 * L},
      {M, C, c.q_dim(), "o_proj", L},
      {M, F, C, "gate_proj+up_proj", 2 * L},
      {M, C, F, "down_proj", L},
  };
  if (logit_rows > 0) s.push_back({logit_rows, c.vocab_size, C, "lm_head", 1});
  return s;
}

double forward_flops(const io::ModelConfig& c, int64_t tokens, int64_t logit_rows) {
  double f = 0.0;
  for (const auto& g : projection_shapes(c, tokens, logit_rows)) f += g.flops() * static_cast<double>(g.count);
  // Keys attended by query t: t+1, or at most the sliding window.
  const int64_t window = c.sliding_window.value_or(0);
  double attended = 0.0;
  for (int64_t t = 0; t < tokens; ++t) {
    attended += static_cast<double>(window > 0 ? std::min(t + 1, window) : t + 1);
  }
  const double per_layer = 2.0 * 2.0 * static_cast<double>(c.num_attention_heads) *
                           static_cast<double>(c.head_dim) * attended;
  return f + per_layer * static_cast<double>(c.num_hidden_layers);
}

double decode_bytes_per_token(const io::ModelConfig& c, double bytes_per_param, int64_t kv_tokens) {
  double params = 0.0;
  for (const auto& g : projection_shapes(c, 1, 1)) {
    params += static_cast<double>(g.N) * static_cast<double>(g.K) * static_cast<double>(g.count);
  }
  const double C = static_cast<double>(c.hidden_size);
  // Norm weights (2 per layer + final), q/k/v biases, and one embedding row.
  params += C * static_cast<double>(2 * c.num_hidden_layers + 1) + C;
  if (c.attention_bias) params += static_cast<double>(c.num_hidden_layers * (c.q_dim() + 2 * c.kv_dim()));
  const int64_t window = c.sliding_window.value_or(0);
  const int64_t kv = window > 0 ? std::min(kv_tokens, window) : kv_tokens;
  const double kv_bytes = 2.0 * static_cast<double>(c.num_hidden_layers) *
                          static_cast<double>(c.kv_dim()) * static_cast<double>(kv) * 4.0;
  return params * bytes_per_param + kv_bytes;
}

}  // namespace slimlm::eval
