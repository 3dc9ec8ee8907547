#include "slimlm/kernels/cpu/activations.h"

#include <cmath>

#include "slimlm/kernels/cpu/activations_isa.h"

namespace slimlm::kernels {
namespace {

float exp_sum_scalar(float* x, int64_t n, float shift) {
  // Matches the vector paths, which flush these to zero.
  constexpr float kMin = -87.0f;
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) {
    const float a = x[i] - shift;
    x[i] = a < kMin ? 0.0f : std::exp(a);
    sum += x[i];
  }
  return static_cast<float>(sum);
}

void silu_mul_scalar(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = g / (1.0f + std::exp(-g)) * up[i];
  }
}

}  // namespace

float exp_sum_f32(float* x, int64_t n, float shift, Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return cpu::exp_sum_f32_avx512(x, n, shift);
    case Isa::kAvx2: return cpu::exp_sum_f32_avx2(x, n, shift);
    case Isa::kScalar: break;
  }
  return exp_sum_scalar(x, n, shift);
}

float exp_sum_f32(float* x, int64_t n, float shift) { return exp_sum_f32(x, n, shift, best_isa()); }

void silu_mul_f32(const float* gate, const float* up, float* out, int64_t n, Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return cpu::silu_mul_f32_avx512(gate, up, out, n);
    case Isa::kAvx2: return cpu::silu_mul_f32_avx2(gate, up, out, n);
    case Isa::kScalar: break;
  }
  silu_mul_scalar(gate, up, out, n);
}

void silu_mul_f32(const float* gate, const float* up, float* out, int64_t n) {
  silu_mul_f32(gate, up, out, n, best_isa());
}

void softmax_f32(float* x, int64_t n, Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return cpu::softmax_f32_avx512(x, n);
    case Isa::kAvx2: return cpu::softmax_f32_avx2(x, n);
    case Isa::kScalar: break;
  }
  float mx = x[0];
  for (int64_t i = 1; i < n; ++i) mx = x[i] > mx ? x[i] : mx;
  const float inv = 1.0f / exp_sum_scalar(x, n, mx);
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void softmax_f32(float* x, int64_t n) { softmax_f32(x, n, best_isa()); }

}  // namespace slimlm::kernels
