#pragma once
// Scalar reference kernels: plain loops, f64 accumulation where it matters.
// They are the truth that the fast CPU (and later CUDA) kernels are tested
// against; they are not meant to be fast.
//
// Shapes (row-major): M rows of activations, K input features, N outputs.
#include <cstdint>

namespace slimlm::kernels::ref {

// y[M,N] = x[M,K] · w[N,K]^T  (a Linear layer: weights stored out × in, like HF)
void matmul(const float* x, const float* w, float* y, int64_t M, int64_t N, int64_t K);

// y[N] = w[N,K] · x[K]
void gemv(const float* w, const float* x, float* y, int64_t N, int64_t K);

// out[M,C] = weight[C] * x / sqrt(mean(x^2) + eps), per row (HF LlamaRMSNorm).
void rms_norm(const float* x, const float* weight, float* out, int64_t M, int64_t C, float eps);

// Rotary embedding in the rotate-half layout of HF Llama: for each head of
// `head_dim`, element i pairs with i + head_dim/2 and is rotated by
// angle = position * inv_freq[i]. x is [T, n_heads, head_dim], rotated in place.
void rope(float* x, const int32_t* positions, const float* inv_freq, int64_t T, int64_t n_heads,
          int64_t head_dim);

// In-place softmax over each row of x[M,N].
void softmax(float* x, int64_t M, int64_t N);

// out[i] = silu(gate[i]) * up[i]  (SwiGLU)
void silu_mul(const float* gate, const float* up, float* out, int64_t n);

// Causal self-attention over one sequence, all heads: q [T, H, D], k and v
// [T, Hkv, D] (query head h reads key/value head h / (H / Hkv)), out
// [T, H, D]. Token t sees tokens j <= t, and only j > t - window when
// window > 0. Scores are scaled by 1/sqrt(D).
void attention(const float* q, const float* k, const float* v, float* out, int64_t T, int64_t H,
               int64_t Hkv, int64_t D, int64_t window);

}  // namespace slimlm::kernels::ref
