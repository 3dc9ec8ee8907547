// AVX2: vpmaddubsw needs an unsigned operand, so |qx| meets sign(qx)·qw;
// with both codes in [-127, 127] a pair sums to at most 2 · 127² < 2^15.
#include <immintrin.h>

#include "slimlm/kernels/cpu/int8_gemm_isa.h"

namespace slimlm::kernels::cpu {
namespace {

inline __m256i dot32(__m256i acc, __m256i x, __m256i w, __m256i ones) {
  const __m256i ax = _mm256_sign_epi8(x, x);
  const __m256i sw = _mm256_sign_epi8(w, x);
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(ax, sw), ones));
}

inline int32_t hsum(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
  s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
  return _mm_cvtsi128_si32(s);
}

}  // namespace

void int8_gemm_rows_avx2(const Int8Gemm& g, int64_t n0, int64_t n1) {
  const int64_t K = g.K, body = K / 32 * 32;
  const __m256i ones = _mm256_set1_epi16(1);
  for (int64_t m = 0; m < g.M; ++m) {
    const int8_t* x = g.qx + m * K;
    int64_t n = n0;
    for (; n + 4 <= n1; n += 4) {
      const int8_t* w = g.qw + n * K;
      __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
      for (int64_t k = 0; k < body; k += 32) {
        const __m256i xv = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + k));
        a0 = dot32(a0, xv, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + k)), ones);
        a1 = dot32(a1, xv, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + K + k)), ones);
        a2 = dot32(a2, xv, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 2 * K + k)), ones);
        a3 = dot32(a3, xv, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + 3 * K + k)), ones);
      }
      int32_t s[4] = {hsum(a0), hsum(a1), hsum(a2), hsum(a3)};
      for (int64_t k = body; k < K; ++k) {
        for (int j = 0; j < 4; ++j) s[j] += static_cast<int32_t>(x[k]) * w[j * K + k];
      }
      for (int j = 0; j < 4; ++j) g.y[m * g.N + n + j] = g.sx[m] * g.sw[n + j] * static_cast<float>(s[j]);
    }
    for (; n < n1; ++n) {
      const int8_t* w = g.qw + n * K;
      __m256i a = _mm256_setzero_si256();
      for (int64_t k = 0; k < body; k += 32) {
        a = dot32(a, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + k)),
                  _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + k)), ones);
      }
      int32_t s = hsum(a);
      for (int64_t k = body; k < K; ++k) s += static_cast<int32_t>(x[k]) * w[k];
      g.y[m * g.N + n] = g.sx[m] * g.sw[n] * static_cast<float>(s);
    }
  }
}

}  // namespace slimlm::kernels::cpu
