#pragma once
// Element-wise pieces of the transformer block that need exp(): SwiGLU's
// SiLU and the attention softmax. The AVX2 / AVX-512 paths use a polynomial
// exp accurate to about 2 ulp; the scalar path uses std::exp. Both are tested
// against kernels/ref.
#include <cstdint>

#include "slimlm/core/cpu_features.h"

namespace slimlm::kernels {

// x[i] = exp(x[i] - shift) for i < n; returns the sum of the new x[i].
// Arguments below about -87 give 0 (softmax shifts by the row maximum, so
// those terms are below f32 resolution of the sum anyway).
float exp_sum_f32(float* x, int64_t n, float shift);
float exp_sum_f32(float* x, int64_t n, float shift, Isa isa);

// out[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i].
// out may be gate or up.
void silu_mul_f32(const float* gate, const float* up, float* out, int64_t n);
void silu_mul_f32(const float* gate, const float* up, float* out, int64_t n, Isa isa);

// In-place softmax of one row of n values (n >= 1), f32 like torch's softmax:
// exp(x - max) / sum.
void softmax_f32(float* x, int64_t n);
void softmax_f32(float* x, int64_t n, Isa isa);

}  // namespace slimlm::kernels
