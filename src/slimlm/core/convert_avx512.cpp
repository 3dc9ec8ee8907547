// AVX-512 conversion kernels (compiled with -mavx512f/bw/vl/dq/bf16 and
// reached only through the dispatcher). Tails use masked loads and stores.
// No inline library code (std:: templates) is used here: the linker could
// pick this file's AVX-512 copy of an inline function for other callers.
// GCC 12 flags the deliberately undefined vectors inside its own AVX-512
// intrinsics (_mm512_undefined_*) as maybe-uninitialized.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>

#include "slimlm/core/convert_kernels.h"

namespace slimlm::detail {
namespace {

inline __mmask16 tail_mask(size_t k) { return static_cast<__mmask16>((1u << k) - 1u); }

inline __m256i load_u16x16(const uint16_t* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
inline void store_u16x16(uint16_t* p, __m256i v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}

// Integer round-to-nearest-even f32 -> bf16 (one result per 32-bit lane),
// NaN -> quiet NaN with the top payload bits, as the scalar reference.
inline __m256i f32_to_bf16_int16(__m512 v) {
  const __m512i x = _mm512_castps_si512(v);
  const __m512i top = _mm512_srli_epi32(x, 16);
  const __m512i lsb = _mm512_and_si512(top, _mm512_set1_epi32(1));
  const __m512i rounded =
      _mm512_srli_epi32(_mm512_add_epi32(_mm512_add_epi32(x, _mm512_set1_epi32(0x7fff)), lsb), 16);
  const __mmask16 is_nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  const __m512i r = _mm512_mask_or_epi32(rounded, is_nan, top, _mm512_set1_epi32(0x40));
  return _mm512_cvtepi32_epi16(r);
}

// VCVTNEPS2BF16 rounds to nearest even like the reference, but it treats
// subnormal inputs as zero (and its NaN result is not architecturally pinned
// down), so when a vector holds a subnormal or a NaN those lanes are redone
// with the integer rounding. Real weights almost never take that branch. The
// check is on the bits: VFPCLASSPS and float compares see subnormals as zero
// under DAZ.
inline __m256i f32_to_bf16_hw16(__m512 v) {
  const __m256i fast = reinterpret_cast<__m256i>(_mm512_cvtneps_pbh(v));
  const __m512i abs = _mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(0x7fffffff));
  // abs - 1 < 0x7fffff: a nonzero subnormal; abs > 0x7f800000: a NaN.
  const __mmask16 special =
      _mm512_cmplt_epu32_mask(_mm512_sub_epi32(abs, _mm512_set1_epi32(1)),
                              _mm512_set1_epi32(0x7fffff)) |
      _mm512_cmpgt_epu32_mask(abs, _mm512_set1_epi32(0x7f800000));
  if (special == 0) return fast;
  return _mm256_mask_blend_epi16(special, fast, f32_to_bf16_int16(v));
}

}  // namespace

void f16_to_f32_avx512(const uint16_t* src, float* dst, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    _mm512_storeu_ps(dst + i, _mm512_cvtph_ps(load_u16x16(src + i)));
    _mm512_storeu_ps(dst + i + 16, _mm512_cvtph_ps(load_u16x16(src + i + 16)));
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : tail_mask(n - i);
    _mm512_mask_storeu_ps(dst + i, m, _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, src + i)));
  }
}

void f32_to_f16_avx512(const float* src, uint16_t* dst, size_t n) {
  constexpr int kRound = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    store_u16x16(dst + i, _mm512_cvtps_ph(_mm512_loadu_ps(src + i), kRound));
    store_u16x16(dst + i + 16, _mm512_cvtps_ph(_mm512_loadu_ps(src + i + 16), kRound));
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : tail_mask(n - i);
    _mm256_mask_storeu_epi16(dst + i, m, _mm512_cvtps_ph(_mm512_maskz_loadu_ps(m, src + i), kRound));
  }
}

void bf16_to_f32_avx512(const uint16_t* src, float* dst, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512i a = _mm512_slli_epi32(_mm512_cvtepu16_epi32(load_u16x16(src + i)), 16);
    const __m512i b = _mm512_slli_epi32(_mm512_cvtepu16_epi32(load_u16x16(src + i + 16)), 16);
    _mm512_storeu_si512(dst + i, a);
    _mm512_storeu_si512(dst + i + 16, b);
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : tail_mask(n - i);
    const __m512i v = _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, src + i)), 16);
    _mm512_mask_storeu_epi32(dst + i, m, v);
  }
}

void f32_to_bf16_avx512(const float* src, uint16_t* dst, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    store_u16x16(dst + i, f32_to_bf16_int16(_mm512_loadu_ps(src + i)));
    store_u16x16(dst + i + 16, f32_to_bf16_int16(_mm512_loadu_ps(src + i + 16)));
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : tail_mask(n - i);
    _mm256_mask_storeu_epi16(dst + i, m, f32_to_bf16_int16(_mm512_maskz_loadu_ps(m, src + i)));
  }
}

void f32_to_bf16_avx512bf16(const float* src, uint16_t* dst, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    store_u16x16(dst + i, f32_to_bf16_hw16(_mm512_loadu_ps(src + i)));
    store_u16x16(dst + i + 16, f32_to_bf16_hw16(_mm512_loadu_ps(src + i + 16)));
  }
  for (; i < n; i += 16) {
    const __mmask16 m = n - i >= 16 ? static_cast<__mmask16>(0xffff) : tail_mask(n - i);
    _mm256_mask_storeu_epi16(dst + i, m, f32_to_bf16_hw16(_mm512_maskz_loadu_ps(m, src + i)));
  }
}

}  // namespace slimlm::detail
