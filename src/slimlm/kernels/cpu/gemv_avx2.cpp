#include <immintrin.h>

#include "slimlm/kernels/cpu/gemv_isa.h"

namespace slimlm::kernels::cpu {
namespace {

inline float hsum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v);
  __m128 hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}

}  // namespace

void gemv_rows_f32_avx2(const float* w, const float* x, float* y, int64_t rows, int64_t K) {
  const int64_t k_main = K / 8 * 8;
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float* w0 = w + (r + 0) * K;
    const float* w1 = w + (r + 1) * K;
    const float* w2 = w + (r + 2) * K;
    const float* w3 = w + (r + 3) * K;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
    __m256 a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    for (int64_t k = 0; k < k_main; k += 8) {
      const __m256 xv = _mm256_loadu_ps(x + k);
      a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w0 + k), xv, a0);
      a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + k), xv, a1);
      a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w2 + k), xv, a2);
      a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w3 + k), xv, a3);
    }
    float s0 = hsum(a0), s1 = hsum(a1), s2 = hsum(a2), s3 = hsum(a3);
    for (int64_t k = k_main; k < K; ++k) {
      s0 += w0[k] * x[k];
      s1 += w1[k] * x[k];
      s2 += w2[k] * x[k];
      s3 += w3[k] * x[k];
    }
    y[r + 0] = s0;
    y[r + 1] = s1;
    y[r + 2] = s2;
    y[r + 3] = s3;
  }
  for (; r < rows; ++r) {
    const float* wr = w + r * K;
    __m256 a = _mm256_setzero_ps();
    for (int64_t k = 0; k < k_main; k += 8) {
      a = _mm256_fmadd_ps(_mm256_loadu_ps(wr + k), _mm256_loadu_ps(x + k), a);
    }
    float s = hsum(a);
    for (int64_t k = k_main; k < K; ++k) s += wr[k] * x[k];
    y[r] = s;
  }
}

}  // namespace slimlm::kernels::cpu
