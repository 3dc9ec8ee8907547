#pragma once
// One head of causal self-attention, as Hugging Face's eager attention
// computes it in f32: softmax(q·kᵀ · scale + mask) · v. Queries are the last
// n_q tokens of a sequence whose first n_kv tokens have keys and values, so
// one kernel serves a whole prompt (n_q == n_kv), a chunk appended to a KV
// cache, and a single decoded token (n_q == 1).
//
// The kernel runs on the calling thread (callers parallelise over heads and
// query blocks); the products go through single-threaded sgemm in blocks of
// queries so that masked-out keys past a block's last query are skipped.
#include <cstdint>

namespace slimlm::kernels {

struct AttentionHead {
  const float* q = nullptr;  // n_q rows of head_dim, row i at q + i * q_stride
  const float* k = nullptr;  // n_kv rows
  const float* v = nullptr;  // n_kv rows
  float* out = nullptr;      // n_q rows
  int64_t q_stride = 0, k_stride = 0, v_stride = 0, out_stride = 0;
  int64_t n_q = 0, n_kv = 0, head_dim = 0;
  // Query i sits at position p = n_kv - n_q + i and sees key j when j <= p and,
  // for window > 0, j > p - window (transformers' sliding-window mask).
  int64_t window = 0;
  float scale = 1.0f;
};

// Queries handled per block: the scratch holds one block's scores.
inline constexpr int64_t kAttentionBlockQ = 64;

// Floats of scratch attention_head_f32 needs for n_q queries over n_kv keys.
inline int64_t attention_scratch_floats(int64_t n_q, int64_t n_kv) {
  return (n_q < kAttentionBlockQ ? n_q : kAttentionBlockQ) * n_kv;
}

void attention_head_f32(const AttentionHead& a, float* scratch);

}  // namespace slimlm::kernels
