#pragma once
// What a forward pass costs, from the config alone, so measured speed can be
// read against the machine's limits: prefill against the sgemm peak (FLOPs),
// decode against memory bandwidth (bytes of weights read per token).
#include <cstdint>
#include <string>
#include <vector>

#include "slimlm/io/model_config.h"

namespace slimlm::eval {

// One matrix product y[M,N] = x[M,K] · w[N,K]^T.
struct GemmShape {
  int64_t M = 0, N = 0, K = 0;
  std::string what;  // "q_proj", "gate_proj+up_proj" ...
  int64_t count = 1;  // how many per forward pass (layers)
  double flops() const { return 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K); }
};

// The linear layers of one forward pass over M tokens, grouped by distinct
// shape; lm_head only when logit_rows > 0 (with M = logit_rows).
std::vector<GemmShape> projection_shapes(const io::ModelConfig& c, int64_t M, int64_t logit_rows);

// Matmul FLOPs of a forward pass over `tokens` tokens of one sequence:
// 2 · (linear parameters) · tokens, lm_head on `logit_rows` rows, plus causal
// attention (QKᵀ and PV: 2 · 2 · H · D · Σ_t (t+1), window-limited for
// sliding-window models). Norms, RoPE and softmax are left out (<1 %).
double forward_flops(const io::ModelConfig& c, int64_t tokens, int64_t logit_rows);

// Bytes read from memory to decode one token with `kv_tokens` already in the
// cache: every weight once (bytes_per_param each) except the embedding table,
// of which one row is read (unless tied: then it is the lm_head, read whole),
// plus the keys and values of the cache in f32.
double decode_bytes_per_token(const io::ModelConfig& c, double bytes_per_param, int64_t kv_tokens);

}  // namespace slimlm::eval
