#pragma once
// Per-ISA bodies of kernels/cpu/activations.h, compiled with per-file flags
// and reached only through the dispatcher in activations.cpp.
#include <cstdint>

namespace slimlm::kernels::cpu {

float exp_sum_f32_avx2(float* x, int64_t n, float shift);
float exp_sum_f32_avx512(float* x, int64_t n, float shift);
void softmax_f32_avx2(float* x, int64_t n);
void softmax_f32_avx512(float* x, int64_t n);
void silu_mul_f32_avx2(const float* gate, const float* up, float* out, int64_t n);
void silu_mul_f32_avx512(const float* gate, const float* up, float* out, int64_t n);

}  // namespace slimlm::kernels::cpu
