// AVX2 kernels: the AVX-512 ones (quant_kernels_avx512.cpp) on 8 lanes.
//   8-bit  zero-extend 8 bytes;
//   4-bit  two halves of 16 bytes, low then high nibbles, x in
//          XOrder::kEvenOdd32; NF4 looks codes up with two 8-entry vpermps
//          and a blend on bit 3;
//   2-bit  broadcast a word, variable shifts (two shift sets per word);
//   3-bit  8 words hold 80 codes; vpermd + variable shifts.
#include <immintrin.h>

#include <algorithm>

#include "slimlm/kernels/cpu/quant_kernels.h"
#include "slimlm/quant/codebook.h"

namespace slimlm::kernels::cpu {
namespace {

inline float scale_at(const QuantView& w, int64_t i) {
  return w.scales_f16 ? _cvtsh_ss(static_cast<const uint16_t*>(w.scales)[i])
                      : static_cast<const float*>(w.scales)[i];
}

inline float zero_at(const QuantView& w, int64_t i) {
  if (w.nf4) return 0.0f;
  return w.zeros ? static_cast<float>(w.zeros[i]) : static_cast<float>(w.implied_zero);
}

inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

inline __m256i load8_u8(const uint8_t* p) {
  return _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
}

struct Decode8 {
  static constexpr int64_t kUnit = 8;
  const uint8_t* q;
  Decode8(const QuantView& w, int64_t r)
      : q(reinterpret_cast<const uint8_t*>(w.codes + r * w.words_per_row)) {}
  template <class Sink>
  void step(int64_t k, Sink&& sink) {
    sink(0, _mm256_cvtepi32_ps(load8_u8(q + k)));
  }
};

template <bool kNf4>
struct Decode4 {
  static constexpr int64_t kUnit = 32;
  const uint8_t* q;
  __m256 lo_table, hi_table;
  Decode4(const QuantView& w, int64_t r)
      : q(reinterpret_cast<const uint8_t*>(w.codes + r * w.words_per_row)),
        lo_table(_mm256_loadu_ps(quant::kNf4Values.data())),
        hi_table(_mm256_loadu_ps(quant::kNf4Values.data() + 8)) {}
  __m256 value(__m256i c) const {
    if constexpr (kNf4) {
      const __m256 lo = _mm256_permutevar8x32_ps(lo_table, c);
      const __m256 hi = _mm256_permutevar8x32_ps(hi_table, c);
      return _mm256_blendv_ps(lo, hi, _mm256_castsi256_ps(_mm256_slli_epi32(c, 28)));
    } else {
      return _mm256_cvtepi32_ps(c);
    }
  }
  template <class Sink>
  void step(int64_t k, Sink&& sink) {
    const __m256i mask = _mm256_set1_epi32(15);
    const __m256i b0 = load8_u8(q + k / 2);
    const __m256i b1 = load8_u8(q + k / 2 + 8);
    sink(0, value(_mm256_and_si256(b0, mask)));
    sink(1, value(_mm256_and_si256(b1, mask)));
    sink(2, value(_mm256_srli_epi32(b0, 4)));
    sink(3, value(_mm256_srli_epi32(b1, 4)));
  }
};

struct Decode2 {
  static constexpr int64_t kUnit = 8;
  const uint32_t* words;
  Decode2(const QuantView& w, int64_t r) : words(w.codes + r * w.words_per_row) {}
  template <class Sink>
  void step(int64_t k, Sink&& sink) {
    const __m256i shifts = (k & 8) ? _mm256_setr_epi32(16, 18, 20, 22, 24, 26, 28, 30)
                                   : _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
    const __m256i v = _mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(words[k / 16])), shifts);
    sink(0, _mm256_cvtepi32_ps(_mm256_and_si256(v, _mm256_set1_epi32(3))));
  }
};

// Lane l of vector v (of the 10 covering an 80-code period of 8 words) reads
// word (8v + l) / 10 at shift 3 · ((8v + l) % 10).
struct Int3Tables {
  alignas(32) int32_t word[10][8];
  alignas(32) int32_t shift[10][8];
};
constexpr Int3Tables make_int3_tables() {
  Int3Tables t{};
  for (int v = 0; v < 10; ++v) {
    for (int l = 0; l < 8; ++l) {
      t.word[v][l] = (8 * v + l) / 10;
      t.shift[v][l] = 3 * ((8 * v + l) % 10);
    }
  }
  return t;
}
constexpr Int3Tables kInt3 = make_int3_tables();

struct Decode3 {
  static constexpr int64_t kUnit = 8;
  const uint32_t* words;
  int64_t nwords;
  int v = 0;
  __m256i period = _mm256_setzero_si256();
  Decode3(const QuantView& w, int64_t r)
      : words(w.codes + r * w.words_per_row), nwords(w.words_per_row) {}
  template <class Sink>
  void step(int64_t k, Sink&& sink) {
    if (v == 0) {
      const int64_t first = k / 80 * 8;
      const int n = static_cast<int>(std::min<int64_t>(8, nwords - first));
      const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
      const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(n), lanes);
      period = _mm256_maskload_epi32(reinterpret_cast<const int*>(words + first), mask);
    }
    const __m256i idx = _mm256_load_si256(reinterpret_cast<const __m256i*>(kInt3.word[v]));
    const __m256i sh = _mm256_load_si256(reinterpret_cast<const __m256i*>(kInt3.shift[v]));
    const __m256i c = _mm256_and_si256(
        _mm256_srlv_epi32(_mm256_permutevar8x32_epi32(period, idx), sh), _mm256_set1_epi32(7));
    sink(0, _mm256_cvtepi32_ps(c));
    v = v == 9 ? 0 : v + 1;
  }
};

template <class D, int M>
void rows_block(const QuantRowsArgs& a, int64_t r0, int64_t r1, int64_t m0) {
  const QuantView& w = *a.w;
  const int64_t K = w.cols, G = w.group, NG = w.groups;
  const float* x = a.x + m0 * K;
  const float* xsum = a.xsum + m0 * NG;
  for (int64_t r = r0; r < r1; ++r) {
    D dec(w, r);
    __m256 acc[M];
    float corr[M];
    for (int m = 0; m < M; ++m) {
      acc[m] = _mm256_setzero_ps();
      corr[m] = 0.0f;
    }
    for (int64_t g = 0; g < NG; ++g) {
      __m256 ag[M];
      for (int m = 0; m < M; ++m) ag[m] = _mm256_setzero_ps();
      for (int64_t k = g * G; k < (g + 1) * G; k += D::kUnit) {
        dec.step(k, [&](int j, __m256 v) {
          for (int m = 0; m < M; ++m) {
            ag[m] = _mm256_fmadd_ps(v, _mm256_loadu_ps(x + m * K + k + 8 * j), ag[m]);
          }
        });
      }
      const float s = scale_at(w, r * NG + g);
      const float z = zero_at(w, r * NG + g);
      const __m256 sv = _mm256_set1_ps(s);
      for (int m = 0; m < M; ++m) {
        acc[m] = _mm256_fmadd_ps(ag[m], sv, acc[m]);
        corr[m] += s * z * xsum[m * NG + g];
      }
    }
    for (int m = 0; m < M; ++m) a.y[(m0 + m) * a.ldy + r] = hsum(acc[m]) - corr[m];
  }
}

template <class D>
void rows_impl(const QuantRowsArgs& a, int64_t r0, int64_t r1) {
  int64_t m = 0;
  for (; m + 4 <= a.M; m += 4) rows_block<D, 4>(a, r0, r1, m);
  switch (a.M - m) {
    case 3: rows_block<D, 3>(a, r0, r1, m); break;
    case 2: rows_block<D, 2>(a, r0, r1, m); break;
    case 1: rows_block<D, 1>(a, r0, r1, m); break;
    default: break;
  }
}

template <class D>
void dequant_impl(const QuantView& w, int64_t r0, int64_t r1, float* out) {
  const int64_t K = w.cols, G = w.group, NG = w.groups;
  for (int64_t r = r0; r < r1; ++r) {
    D dec(w, r);
    float* o = out + (r - r0) * K;
    for (int64_t g = 0; g < NG; ++g) {
      const float s = scale_at(w, r * NG + g);
      const __m256 sv = _mm256_set1_ps(s);
      const __m256 off = _mm256_set1_ps(-s * zero_at(w, r * NG + g));
      for (int64_t k = g * G; k < (g + 1) * G; k += D::kUnit) {
        dec.step(k, [&](int j, __m256 v) { _mm256_storeu_ps(o + k + 8 * j, _mm256_fmadd_ps(v, sv, off)); });
      }
    }
  }
}

XOrder order(const QuantView& w) { return w.bits == 4 ? XOrder::kEvenOdd32 : XOrder::kNatural; }

void rows(const QuantRowsArgs& a, int64_t r0, int64_t r1) {
  const QuantView& w = *a.w;
  switch (w.bits) {
    case 8: return rows_impl<Decode8>(a, r0, r1);
    case 4: return w.nf4 ? rows_impl<Decode4<true>>(a, r0, r1) : rows_impl<Decode4<false>>(a, r0, r1);
    case 3: return rows_impl<Decode3>(a, r0, r1);
    default: return rows_impl<Decode2>(a, r0, r1);
  }
}

void dequant(const QuantView& w, int64_t r0, int64_t r1, float* out) {
  switch (w.bits) {
    case 8: return dequant_impl<Decode8>(w, r0, r1, out);
    case 4:
      return w.nf4 ? dequant_impl<Decode4<true>>(w, r0, r1, out)
                   : dequant_impl<Decode4<false>>(w, r0, r1, out);
    case 3: return dequant_impl<Decode3>(w, r0, r1, out);
    default: return dequant_impl<Decode2>(w, r0, r1, out);
  }
}

}  // namespace

const QuantKernels& quant_kernels_avx2() {
  static const QuantKernels k{&order, &rows, &dequant};
  return k;
}

}  // namespace slimlm::kernels::cpu
