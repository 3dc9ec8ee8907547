// AVX-512 2:4 kernels. Rows: 32 columns of x (two registers) are permuted
// onto the 16 kept values with one vpermt2ps, the permutation built from the
// row's 32-bit position word by a variable shift. Gemm tiles: each kept
// weight is broadcast and multiplied into 64 activation rows (4 registers)
// of its x column; two accumulator sets (even / odd kept value) keep the
// FMA chains short enough to run at full throughput.
// GCC 12 reports a false maybe-uninitialized inside _mm512_reduce_add_ps.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "slimlm/kernels/cpu/sparse24_kernels.h"

namespace slimlm::kernels::cpu {
namespace {

constexpr int64_t kVecs = 4;
constexpr int64_t kTile = 16 * kVecs;

inline uint32_t load_u32(const uint8_t* p) {
  uint32_t w;
  std::memcpy(&w, p, sizeof w);
  return w;
}

// Lane j: column offset 4·(j/2) + position_j within 32 columns.
inline __m512i columns_of(uint32_t word) {
  const __m512i shifts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i base = _mm512_setr_epi32(0, 0, 4, 4, 8, 8, 12, 12, 16, 16, 20, 20, 24, 24, 28, 28);
  const __m512i pos = _mm512_and_si512(_mm512_srlv_epi32(_mm512_set1_epi32(static_cast<int>(word)), shifts),
                                       _mm512_set1_epi32(3));
  return _mm512_add_epi32(pos, base);
}

template <int MR>
void rows_mr(const Sparse24View& w, const float* x, float* y, int64_t ldy, int64_t r0, int64_t r1) {
  const int64_t K = w.cols, ib = sparse24_index_bytes(K);
  const int64_t chunks = K / 32;
  const int64_t tail_cols = K - chunks * 32;  // 0..28, a multiple of 4
  const __mmask16 tail_vals = static_cast<__mmask16>((1u << (tail_cols / 2)) - 1u);
  const __mmask16 tail_lo = static_cast<__mmask16>((1u << std::min<int64_t>(tail_cols, 16)) - 1u);
  const __mmask16 tail_hi =
      static_cast<__mmask16>((1u << std::max<int64_t>(tail_cols - 16, 0)) - 1u);
  for (int64_t r = r0; r < r1; ++r) {
    const float* v = w.values + r * (K / 2);
    const uint8_t* idx = w.indices + r * ib;
    __m512 acc[MR][2];
    for (int m = 0; m < MR; ++m) acc[m][0] = acc[m][1] = _mm512_setzero_ps();
    int64_t c = 0;
    for (; c + 2 <= chunks; c += 2) {
      for (int u = 0; u < 2; ++u) {
        const int64_t ch = c + u;
        const __m512i cols = columns_of(load_u32(idx + 4 * ch));
        const __m512 wv = _mm512_loadu_ps(v + 16 * ch);
        for (int m = 0; m < MR; ++m) {
          const float* xm = x + m * K + 32 * ch;
          const __m512 xs = _mm512_permutex2var_ps(_mm512_loadu_ps(xm), cols, _mm512_loadu_ps(xm + 16));
          acc[m][u] = _mm512_fmadd_ps(wv, xs, acc[m][u]);
        }
      }
    }
    if (c < chunks) {
      const __m512i cols = columns_of(load_u32(idx + 4 * c));
      const __m512 wv = _mm512_loadu_ps(v + 16 * c);
      for (int m = 0; m < MR; ++m) {
        const float* xm = x + m * K + 32 * c;
        const __m512 xs = _mm512_permutex2var_ps(_mm512_loadu_ps(xm), cols, _mm512_loadu_ps(xm + 16));
        acc[m][0] = _mm512_fmadd_ps(wv, xs, acc[m][0]);
      }
    }
    if (tail_cols) {
      uint32_t word = 0;
      std::memcpy(&word, idx + 4 * chunks, static_cast<size_t>((tail_cols / 4 + 1) / 2));
      const __m512i cols = columns_of(word);
      const __m512 wv = _mm512_maskz_loadu_ps(tail_vals, v + 16 * chunks);
      for (int m = 0; m < MR; ++m) {
        const float* xm = x + m * K + 32 * chunks;
        const __m512 xs = _mm512_permutex2var_ps(_mm512_maskz_loadu_ps(tail_lo, xm), cols,
                                                 _mm512_maskz_loadu_ps(tail_hi, xm + 16));
        acc[m][1] = _mm512_fmadd_ps(wv, xs, acc[m][1]);
      }
    }
    for (int m = 0; m < MR; ++m) {
      y[m * ldy + r] = _mm512_reduce_add_ps(_mm512_add_ps(acc[m][0], acc[m][1]));
    }
  }
}

void rows_avx512(const Sparse24View& w, const float* x, int64_t M, float* y, int64_t ldy, int64_t r0,
                 int64_t r1) {
  switch (M) {
    case 1: rows_mr<1>(w, x, y, ldy, r0, r1); return;
    case 2: rows_mr<2>(w, x, y, ldy, r0, r1); return;
    case 3: rows_mr<3>(w, x, y, ldy, r0, r1); return;
    default: break;
  }
  for (int64_t m = 0; m < M; m += 4) {
    const int64_t n = std::min<int64_t>(4, M - m);
    if (n == 4) {
      rows_mr<4>(w, x + m * w.cols, y + m * ldy, ldy, r0, r1);
    } else {
      rows_avx512(w, x + m * w.cols, n, y + m * ldy, ldy, r0, r1);
    }
  }
}

inline void accumulate(__m512 (&acc)[kVecs], __m512 wv, const float* xrow) {
  for (int j = 0; j < kVecs; ++j) acc[j] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xrow + 16 * j), acc[j]);
}

void tile_avx512(const Sparse24View& w, const float* xt, float* yt, int64_t r0, int64_t r1) {
  const int64_t K = w.cols, ib = sparse24_index_bytes(K);
  for (int64_t kb = 0; kb < K; kb += kSparse24ColumnBlock) {
    const int64_t g0 = kb / 4, g1 = std::min(K, kb + kSparse24ColumnBlock) / 4;
    for (int64_t r = r0; r < r1; ++r) {
      const float* v = w.values + r * (K / 2);
      const uint8_t* idx = w.indices + r * ib;
      float* out = yt + (r - r0) * kTile;
      __m512 a[kVecs], b[kVecs];
      for (int j = 0; j < kVecs; ++j) {
        a[j] = kb == 0 ? _mm512_setzero_ps() : _mm512_loadu_ps(out + 16 * j);
        b[j] = _mm512_setzero_ps();
      }
      int64_t g = g0;
      // Column blocks start on even groups: one index byte per two groups.
      for (; g + 2 <= g1; g += 2) {
        const unsigned byte = idx[g / 2];
        const int64_t c = 4 * g;
        accumulate(a, _mm512_set1_ps(v[2 * g]), xt + (c + (byte & 3u)) * kTile);
        accumulate(b, _mm512_set1_ps(v[2 * g + 1]), xt + (c + ((byte >> 2) & 3u)) * kTile);
        accumulate(a, _mm512_set1_ps(v[2 * g + 2]), xt + (c + 4 + ((byte >> 4) & 3u)) * kTile);
        accumulate(b, _mm512_set1_ps(v[2 * g + 3]), xt + (c + 4 + (byte >> 6)) * kTile);
      }
      if (g < g1) {
        const unsigned nib = idx[g / 2] & 15u;
        accumulate(a, _mm512_set1_ps(v[2 * g]), xt + (4 * g + (nib & 3u)) * kTile);
        accumulate(b, _mm512_set1_ps(v[2 * g + 1]), xt + (4 * g + (nib >> 2)) * kTile);
      }
      for (int j = 0; j < kVecs; ++j) _mm512_storeu_ps(out + 16 * j, _mm512_add_ps(a[j], b[j]));
    }
  }
}

}  // namespace

const Sparse24Kernels& sparse24_kernels_avx512() {
  static const Sparse24Kernels k{&rows_avx512, &tile_avx512, kTile};
  return k;
}

}  // namespace slimlm::kernels::cpu
