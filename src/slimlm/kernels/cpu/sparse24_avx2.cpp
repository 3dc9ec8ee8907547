// AVX2 2:4 kernels. Rows: 16 columns of x (two registers) are permuted onto
// the 8 kept values; vpermps only reaches within one register, so the low 4
// values (groups 0-1, columns 0-7) come from the first register and the high
// 4 from the second, joined by a blend. Gemm tiles: each kept weight
// broadcast into 32 activation rows (4 registers), two accumulator sets.
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "slimlm/kernels/cpu/sparse24_kernels.h"

namespace slimlm::kernels::cpu {
namespace {

constexpr int64_t kVecs = 4;
constexpr int64_t kTile = 8 * kVecs;

// Lane j: column offset (4·(j/2) + position_j) mod 8 within its register.
inline __m256i columns_of(uint32_t word16) {
  const __m256i shifts = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  const __m256i base = _mm256_setr_epi32(0, 0, 4, 4, 0, 0, 4, 4);
  const __m256i pos = _mm256_and_si256(
      _mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(word16)), shifts), _mm256_set1_epi32(3));
  return _mm256_add_epi32(pos, base);
}

inline __m256 gather16(const float* x16, __m256i cols) {
  return _mm256_blend_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(x16), cols),
                         _mm256_permutevar8x32_ps(_mm256_loadu_ps(x16 + 8), cols), 0xF0);
}

inline float hsum(__m256 v) {
  const __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t = _mm_add_ps(s, _mm_movehl_ps(s, s));
  return _mm_cvtss_f32(_mm_add_ss(t, _mm_movehdup_ps(t)));
}

template <int MR>
void rows_mr(const Sparse24View& w, const float* x, float* y, int64_t ldy, int64_t r0, int64_t r1) {
  const int64_t K = w.cols, ib = sparse24_index_bytes(K);
  const int64_t chunks = K / 16;  // 16 columns, 8 values, 2 index bytes
  for (int64_t r = r0; r < r1; ++r) {
    const float* v = w.values + r * (K / 2);
    const uint8_t* idx = w.indices + r * ib;
    __m256 acc[MR][2];
    for (int m = 0; m < MR; ++m) acc[m][0] = acc[m][1] = _mm256_setzero_ps();
    int64_t c = 0;
    for (; c + 2 <= chunks; c += 2) {
      for (int u = 0; u < 2; ++u) {
        const int64_t ch = c + u;
        uint16_t word;
        std::memcpy(&word, idx + 2 * ch, sizeof word);
        const __m256i cols = columns_of(word);
        const __m256 wv = _mm256_loadu_ps(v + 8 * ch);
        for (int m = 0; m < MR; ++m) {
          acc[m][u] = _mm256_fmadd_ps(wv, gather16(x + m * K + 16 * ch, cols), acc[m][u]);
        }
      }
    }
    if (c < chunks) {
      uint16_t word;
      std::memcpy(&word, idx + 2 * c, sizeof word);
      const __m256i cols = columns_of(word);
      const __m256 wv = _mm256_loadu_ps(v + 8 * c);
      for (int m = 0; m < MR; ++m) {
        acc[m][0] = _mm256_fmadd_ps(wv, gather16(x + m * K + 16 * c, cols), acc[m][0]);
      }
    }
    float tail[MR] = {};
    for (int64_t g = chunks * 4; g < K / 4; ++g) {  // at most 3 groups
      const unsigned nib = (idx[g / 2] >> (4 * (g % 2))) & 15u;
      for (int m = 0; m < MR; ++m) {
        const float* xm = x + m * K;
        tail[m] += v[2 * g] * xm[4 * g + (nib & 3u)] + v[2 * g + 1] * xm[4 * g + (nib >> 2)];
      }
    }
    for (int m = 0; m < MR; ++m) y[m * ldy + r] = hsum(_mm256_add_ps(acc[m][0], acc[m][1])) + tail[m];
  }
}

void rows_avx2(const Sparse24View& w, const float* x, int64_t M, float* y, int64_t ldy, int64_t r0,
               int64_t r1) {
  for (int64_t m = 0; m < M; m += 4) {
    const float* xm = x + m * w.cols;
    float* ym = y + m * ldy;
    switch (std::min<int64_t>(4, M - m)) {
      case 1: rows_mr<1>(w, xm, ym, ldy, r0, r1); break;
      case 2: rows_mr<2>(w, xm, ym, ldy, r0, r1); break;
      case 3: rows_mr<3>(w, xm, ym, ldy, r0, r1); break;
      default: rows_mr<4>(w, xm, ym, ldy, r0, r1); break;
    }
  }
}

inline void accumulate(__m256 (&acc)[kVecs], __m256 wv, const float* xrow) {
  for (int j = 0; j < kVecs; ++j) acc[j] = _mm256_fmadd_ps(wv, _mm256_loadu_ps(xrow + 8 * j), acc[j]);
}

void tile_avx2(const Sparse24View& w, const float* xt, float* yt, int64_t r0, int64_t r1) {
  const int64_t K = w.cols, ib = sparse24_index_bytes(K);
  for (int64_t kb = 0; kb < K; kb += kSparse24ColumnBlock) {
    const int64_t g0 = kb / 4, g1 = std::min(K, kb + kSparse24ColumnBlock) / 4;
    for (int64_t r = r0; r < r1; ++r) {
      const float* v = w.values + r * (K / 2);
      const uint8_t* idx = w.indices + r * ib;
      float* out = yt + (r - r0) * kTile;
      __m256 a[kVecs], b[kVecs];
      for (int j = 0; j < kVecs; ++j) {
        a[j] = kb == 0 ? _mm256_setzero_ps() : _mm256_loadu_ps(out + 8 * j);
        b[j] = _mm256_setzero_ps();
      }
      int64_t g = g0;
      for (; g + 2 <= g1; g += 2) {
        const unsigned byte = idx[g / 2];
        const int64_t c = 4 * g;
        accumulate(a, _mm256_set1_ps(v[2 * g]), xt + (c + (byte & 3u)) * kTile);
        accumulate(b, _mm256_set1_ps(v[2 * g + 1]), xt + (c + ((byte >> 2) & 3u)) * kTile);
        accumulate(a, _mm256_set1_ps(v[2 * g + 2]), xt + (c + 4 + ((byte >> 4) & 3u)) * kTile);
        accumulate(b, _mm256_set1_ps(v[2 * g + 3]), xt + (c + 4 + (byte >> 6)) * kTile);
      }
      if (g < g1) {
        const unsigned nib = idx[g / 2] & 15u;
        accumulate(a, _mm256_set1_ps(v[2 * g]), xt + (4 * g + (nib & 3u)) * kTile);
        accumulate(b, _mm256_set1_ps(v[2 * g + 1]), xt + (4 * g + (nib >> 2)) * kTile);
      }
      for (int j = 0; j < kVecs; ++j) _mm256_storeu_ps(out + 8 * j, _mm256_add_ps(a[j], b[j]));
    }
  }
}

}  // namespace

const Sparse24Kernels& sparse24_kernels_avx2() {
  static const Sparse24Kernels k{&rows_avx2, &tile_avx2, kTile};
  return k;
}

}  // namespace slimlm::kernels::cpu
