// AVX-512 kernels. Decoders turn packed codes into 16-lane f32 vectors:
//   8-bit  zero-extend 16 bytes;
//   4-bit  zero-extend 16 bytes, low nibbles then high nibbles (x arrives in
//          XOrder::kEvenOdd32, so no shuffles); NF4 maps codes through
//          vpermps on the 16-entry table;
//   2-bit  broadcast a word, variable shifts;
//   3-bit  16 words hold 160 codes (10 to a word, compressed-tensors'
//          packing); vpermd picks each lane's word, variable shifts its code.
// Activation rows are processed four at a time so each decoded vector feeds
// four FMAs.
// GCC 12 reports a false maybe-uninitialized inside _mm512_reduce_add_ps.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

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

struct Decode8 {
  static constexpr int64_t kUnit = 16;
  const uint8_t* q;
  Decode8(const QuantView& w, int64_t r)
      : q(reinterpret_cast<const uint8_t*>(w.codes + r * w.words_per_row)) {}
  template <class Sink>
  void step(int64_t k, Sink&& sink) {
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + k));
    sink(0, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(b)));
  }
};

template <bool kNf4>
struct Decode4 {
  static constexpr int64_t kUnit = 32;
  const uint8_t* q;
  __m512 table;
  Decode4(const QuantView& w, int64_t r)
      : q(reinterpret_cast<const uint8_t*>(w.codes + r * w.words_per_row)),
        table(_mm512_loadu_ps(quant::kNf4Values.data())) {}
  template <class Sink>
  void step(int64_t k, Sink&& sink) {
    const __m512i b =
        _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q + k / 2)));
    const __m512i lo = _mm512_and_si512(b, _mm512_set1_epi32(15));
    const __m512i hi = _mm512_srli_epi32(b, 4);
    if constexpr (kNf4) {
      sink(0, _mm512_permutexvar_ps(lo, table));
      sink(1, _mm512_permutexvar_ps(hi, table));
    } else {
      sink(0, _mm512_cvtepi32_ps(lo));
      sink(1, _mm512_cvtepi32_ps(hi));
    }
  }
};

struct Decode2 {
  static constexpr int64_t kUnit = 16;
  const uint32_t* words;
  __m512i shifts;
  Decode2(const QuantView& w, int64_t r)
      : words(w.codes + r * w.words_per_row),
        shifts(_mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)) {}
  template <class Sink>
  void step(int64_t k, Sink&& sink) {
    const __m512i v = _mm512_srlv_epi32(_mm512_set1_epi32(static_cast<int>(words[k / 16])), shifts);
    sink(0, _mm512_cvtepi32_ps(_mm512_and_si512(v, _mm512_set1_epi32(3))));
  }
};

// Lane l of vector v (of the 10 covering a 160-code period) reads word
// (16v + l) / 10 of the period at shift 3 · ((16v + l) % 10). Built at
// compile time: code run at load time in this file could use AVX-512.
struct Int3Tables {
  alignas(64) int32_t word[10][16];
  alignas(64) int32_t shift[10][16];
};
constexpr Int3Tables make_int3_tables() {
  Int3Tables t{};
  for (int v = 0; v < 10; ++v) {
    for (int l = 0; l < 16; ++l) {
      t.word[v][l] = (16 * v + l) / 10;
      t.shift[v][l] = 3 * ((16 * v + l) % 10);
    }
  }
  return t;
}
constexpr Int3Tables kInt3 = make_int3_tables();

struct Decode3 {
  static constexpr int64_t kUnit = 16;
  const uint32_t* words;
  int64_t nwords;
  int v = 0;
  __m512i period = _mm512_setzero_si512();
  Decode3(const QuantView& w, int64_t r)
      : words(w.codes + r * w.words_per_row), nwords(w.words_per_row) {}
  // Called with k = 0, 16, 32, ... in order.
  template <class Sink>
  void step(int64_t k, Sink&& sink) {
    if (v == 0) {
      const int64_t first = k / 160 * 16;
      const int64_t n = std::min<int64_t>(16, nwords - first);
      period = _mm512_maskz_loadu_epi32(static_cast<__mmask16>((1u << n) - 1u), words + first);
    }
    const __m512i idx = _mm512_load_si512(kInt3.word[v]);
    const __m512i sh = _mm512_load_si512(kInt3.shift[v]);
    const __m512i c = _mm512_and_si512(
        _mm512_srlv_epi32(_mm512_permutexvar_epi32(idx, period), sh), _mm512_set1_epi32(7));
    sink(0, _mm512_cvtepi32_ps(c));
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
    __m512 acc[M];
    float corr[M];
    for (int m = 0; m < M; ++m) {
      acc[m] = _mm512_setzero_ps();
      corr[m] = 0.0f;
    }
    for (int64_t g = 0; g < NG; ++g) {
      __m512 ag[M];
      for (int m = 0; m < M; ++m) ag[m] = _mm512_setzero_ps();
      for (int64_t k = g * G; k < (g + 1) * G; k += D::kUnit) {
        dec.step(k, [&](int j, __m512 v) {
          for (int m = 0; m < M; ++m) {
            ag[m] = _mm512_fmadd_ps(v, _mm512_loadu_ps(x + m * K + k + 16 * j), ag[m]);
          }
        });
      }
      const float s = scale_at(w, r * NG + g);
      const float z = zero_at(w, r * NG + g);
      const __m512 sv = _mm512_set1_ps(s);
      for (int m = 0; m < M; ++m) {
        acc[m] = _mm512_fmadd_ps(ag[m], sv, acc[m]);
        corr[m] += s * z * xsum[m * NG + g];
      }
    }
    for (int m = 0; m < M; ++m) a.y[(m0 + m) * a.ldy + r] = _mm512_reduce_add_ps(acc[m]) - corr[m];
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
      const __m512 sv = _mm512_set1_ps(s);
      const __m512 off = _mm512_set1_ps(-s * zero_at(w, r * NG + g));
      for (int64_t k = g * G; k < (g + 1) * G; k += D::kUnit) {
        dec.step(k, [&](int j, __m512 v) { _mm512_storeu_ps(o + k + 16 * j, _mm512_fmadd_ps(v, sv, off)); });
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

const QuantKernels& quant_kernels_avx512() {
  static const QuantKernels k{&order, &rows, &dequant};
  return k;
}

}  // namespace slimlm::kernels::cpu
