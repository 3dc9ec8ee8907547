// Four rows at a time so each load of x feeds four FMAs; the K tail uses a
// masked load instead of a scalar loop.
// GCC 12 reports a false maybe-uninitialized inside _mm512_reduce_add_ps.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include "slimlm/kernels/cpu/gemv_isa.h"

namespace slimlm::kernels::cpu {

void gemv_rows_f32_avx512(const float* w, const float* x, float* y, int64_t rows, int64_t K) {
  const int64_t k_main = K / 16 * 16;
  const __mmask16 tail = static_cast<__mmask16>((1u << (K - k_main)) - 1u);
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const float* w0 = w + (r + 0) * K;
    const float* w1 = w + (r + 1) * K;
    const float* w2 = w + (r + 2) * K;
    const float* w3 = w + (r + 3) * K;
    __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
    __m512 a2 = _mm512_setzero_ps(), a3 = _mm512_setzero_ps();
    for (int64_t k = 0; k < k_main; k += 16) {
      const __m512 xv = _mm512_loadu_ps(x + k);
      a0 = _mm512_fmadd_ps(_mm512_loadu_ps(w0 + k), xv, a0);
      a1 = _mm512_fmadd_ps(_mm512_loadu_ps(w1 + k), xv, a1);
      a2 = _mm512_fmadd_ps(_mm512_loadu_ps(w2 + k), xv, a2);
      a3 = _mm512_fmadd_ps(_mm512_loadu_ps(w3 + k), xv, a3);
    }
    if (tail) {
      const __m512 xv = _mm512_maskz_loadu_ps(tail, x + k_main);
      a0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w0 + k_main), xv, a0);
      a1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w1 + k_main), xv, a1);
      a2 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w2 + k_main), xv, a2);
      a3 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, w3 + k_main), xv, a3);
    }
    y[r + 0] = _mm512_reduce_add_ps(a0);
    y[r + 1] = _mm512_reduce_add_ps(a1);
    y[r + 2] = _mm512_reduce_add_ps(a2);
    y[r + 3] = _mm512_reduce_add_ps(a3);
  }
  for (; r < rows; ++r) {
    const float* wr = w + r * K;
    __m512 a = _mm512_setzero_ps();
    for (int64_t k = 0; k < k_main; k += 16) {
      a = _mm512_fmadd_ps(_mm512_loadu_ps(wr + k), _mm512_loadu_ps(x + k), a);
    }
    if (tail) {
      a = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(tail, wr + k_main),
                          _mm512_maskz_loadu_ps(tail, x + k_main), a);
    }
    y[r] = _mm512_reduce_add_ps(a);
  }
}

}  // namespace slimlm::kernels::cpu
