// AVX-512 VNNI: vpdpbusd multiplies four unsigned bytes by four signed bytes
// per int32 lane. The activations go in as qx + 128 (qx xor 0x80), which adds
// 128 · Σ_k qw[n, k] to every dot product; the row sums take it back out.
// A tile is one activation row against four weight rows, sharing its loads;
// the tail of K is a masked load (zero weights cancel the offset there).
// GCC 12 reports a false maybe-uninitialized inside _mm512_reduce_add_epi32.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include "slimlm/kernels/cpu/int8_gemm_isa.h"

namespace slimlm::kernels::cpu {

void int8_gemm_rows_vnni(const Int8Gemm& g, int64_t n0, int64_t n1) {
  const int64_t K = g.K, body = K / 64 * 64;
  const __mmask64 tail = K > body ? (~0ull >> (64 - (K - body))) : 0;
  const __m512i flip = _mm512_set1_epi8(static_cast<char>(0x80));
  for (int64_t m = 0; m < g.M; ++m) {
    const int8_t* x = g.qx + m * K;
    const float sx = g.sx[m];
    float* y = g.y + m * g.N;
    int64_t n = n0;
    for (; n + 4 <= n1; n += 4) {
      const int8_t* w = g.qw + n * K;
      __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
      for (int64_t k = 0; k < body; k += 64) {
        const __m512i xv = _mm512_xor_si512(_mm512_loadu_si512(x + k), flip);
        a0 = _mm512_dpbusd_epi32(a0, xv, _mm512_loadu_si512(w + k));
        a1 = _mm512_dpbusd_epi32(a1, xv, _mm512_loadu_si512(w + K + k));
        a2 = _mm512_dpbusd_epi32(a2, xv, _mm512_loadu_si512(w + 2 * K + k));
        a3 = _mm512_dpbusd_epi32(a3, xv, _mm512_loadu_si512(w + 3 * K + k));
      }
      if (tail) {
        const __m512i xv = _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, x + body), flip);
        a0 = _mm512_dpbusd_epi32(a0, xv, _mm512_maskz_loadu_epi8(tail, w + body));
        a1 = _mm512_dpbusd_epi32(a1, xv, _mm512_maskz_loadu_epi8(tail, w + K + body));
        a2 = _mm512_dpbusd_epi32(a2, xv, _mm512_maskz_loadu_epi8(tail, w + 2 * K + body));
        a3 = _mm512_dpbusd_epi32(a3, xv, _mm512_maskz_loadu_epi8(tail, w + 3 * K + body));
      }
      const int32_t s0 = _mm512_reduce_add_epi32(a0) - 128 * g.wsum[n];
      const int32_t s1 = _mm512_reduce_add_epi32(a1) - 128 * g.wsum[n + 1];
      const int32_t s2 = _mm512_reduce_add_epi32(a2) - 128 * g.wsum[n + 2];
      const int32_t s3 = _mm512_reduce_add_epi32(a3) - 128 * g.wsum[n + 3];
      y[n] = sx * g.sw[n] * static_cast<float>(s0);
      y[n + 1] = sx * g.sw[n + 1] * static_cast<float>(s1);
      y[n + 2] = sx * g.sw[n + 2] * static_cast<float>(s2);
      y[n + 3] = sx * g.sw[n + 3] * static_cast<float>(s3);
    }
    for (; n < n1; ++n) {
      const int8_t* w = g.qw + n * K;
      __m512i a = _mm512_setzero_si512();
      for (int64_t k = 0; k < body; k += 64) {
        a = _mm512_dpbusd_epi32(a, _mm512_xor_si512(_mm512_loadu_si512(x + k), flip), _mm512_loadu_si512(w + k));
      }
      if (tail) {
        a = _mm512_dpbusd_epi32(a, _mm512_xor_si512(_mm512_maskz_loadu_epi8(tail, x + body), flip),
                                _mm512_maskz_loadu_epi8(tail, w + body));
      }
      y[n] = sx * g.sw[n] * static_cast<float>(_mm512_reduce_add_epi32(a) - 128 * g.wsum[n]);
    }
  }
}

}  // namespace slimlm::kernels::cpu
