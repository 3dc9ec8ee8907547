// AVX-512 VNNI integer-dot kernels (quant_vnni.h). A step covers 64 bytes of
// codes: 64 weights at 8 bits, 128 at 4, 256 at 2. Within a step the
// activations are laid out so that the codes never move: at 4 bits the low
// nibbles (even columns) meet the first half of the step's activations and
// the high nibbles (odd columns) the second; at 2 bits the four 2-bit fields
// of each byte meet four quarters. Lane l of the int32 result then always
// sums columns of one 32-block, whose activation scale sits in the same lane
// of a precomputed vector.
// GCC 12 reports a false maybe-uninitialized inside _mm512_reduce_add_ps.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"

#include <immintrin.h>

#include <algorithm>
#include <cmath>

#include "slimlm/kernels/cpu/quant_vnni.h"
#include "slimlm/quant/codebook.h"

namespace slimlm::kernels::cpu {
namespace {

constexpr int64_t kBlock = 32;

int64_t step_of(int bits) { return 512 / bits; }  // 64 bytes of codes
int sets_of(int bits) { return 8 / bits; }

// round(127 · NF4 level) + 128: unsigned bytes for vpdpbusd, the 128 paid
// back through the zero point.
struct Nf4Bytes {
  alignas(64) uint8_t v[64];
};
constexpr Nf4Bytes make_nf4_bytes() {
  Nf4Bytes t{};
  for (int lane = 0; lane < 4; ++lane) {
    for (int k = 0; k < 16; ++k) {
      const double x = 127.0 * static_cast<double>(quant::kNf4Values[static_cast<size_t>(k)]);
      const int r = static_cast<int>(x < 0 ? x - 0.5 : x + 0.5);
      t.v[lane * 16 + k] = static_cast<uint8_t>(r + 128);
    }
  }
  return t;
}
constexpr Nf4Bytes kNf4Bytes = make_nf4_bytes();

inline float scale_at(const QuantView& w, int64_t i) {
  return w.scales_f16 ? _cvtsh_ss(static_cast<const uint16_t*>(w.scales)[i])
                      : static_cast<const float*>(w.scales)[i];
}

inline __mmask64 byte_mask(int64_t n) {
  return n >= 64 ? ~__mmask64{0} : ((__mmask64{1} << n) - 1);
}

// Sum over the step's code sets of codes × activations, as int32 lanes.
template <int kBits, bool kNf4>
struct Codes {
  __m512i set[8 / kBits];
  void load(const uint8_t* p, int64_t code_bytes) {
    const __m512i z = code_bytes >= 64 ? _mm512_loadu_si512(p) : _mm512_maskz_loadu_epi8(byte_mask(code_bytes), p);
    if constexpr (kBits == 8) {
      set[0] = z;
    } else if constexpr (kBits == 4) {
      const __m512i mask = _mm512_set1_epi8(0x0F);
      set[0] = _mm512_and_si512(z, mask);
      set[1] = _mm512_and_si512(_mm512_srli_epi16(z, 4), mask);
      if constexpr (kNf4) {
        const __m512i table = _mm512_load_si512(kNf4Bytes.v);
        set[0] = _mm512_shuffle_epi8(table, set[0]);
        set[1] = _mm512_shuffle_epi8(table, set[1]);
      }
    } else {
      const __m512i mask = _mm512_set1_epi8(0x03);
      set[0] = _mm512_and_si512(z, mask);
      set[1] = _mm512_and_si512(_mm512_srli_epi16(z, 2), mask);
      set[2] = _mm512_and_si512(_mm512_srli_epi16(z, 4), mask);
      set[3] = _mm512_and_si512(_mm512_srli_epi16(z, 6), mask);
    }
  }
};

// Lane l's scale index within a step whose groups (of G weights) are
// shorter than the step: block(l) · 32 / G.
inline __m512i lane_groups(int bits, int64_t G) {
  const int lanes_per_block = 16 / static_cast<int>(step_of(bits) / kBlock);
  alignas(64) int32_t idx[16];
  for (int l = 0; l < 16; ++l) idx[l] = static_cast<int32_t>((l / lanes_per_block) * kBlock / G);
  return _mm512_load_si512(idx);
}

// n (<= 16) consecutive scales as f32 lanes, zero beyond.
inline __m512 load_scales(const QuantView& w, int64_t first, int64_t n) {
  const auto mask = static_cast<__mmask16>((1u << n) - 1u);
  if (w.scales_f16) {
    const __m256i h = _mm256_maskz_loadu_epi16(mask, static_cast<const uint16_t*>(w.scales) + first);
    return _mm512_cvtph_ps(h);
  }
  return _mm512_maskz_loadu_ps(mask, static_cast<const float*>(w.scales) + first);
}

// Σ of each of four accumulators, as the four lanes of an xmm.
inline __m128 reduce4(__m512 a, __m512 b, __m512 c, __m512 d) {
  auto half = [](__m512 v) {
    return _mm256_add_ps(_mm512_castps512_ps256(v), _mm512_extractf32x8_ps(v, 1));
  };
  const __m256 ab = _mm256_hadd_ps(half(a), half(b));
  const __m256 cd = _mm256_hadd_ps(half(c), half(d));
  const __m256 abcd = _mm256_hadd_ps(ab, cd);
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

// NR weight rows × M activation rows at a time: each activation load feeds
// NR rows, each decoded code vector M activation rows.
template <int kBits, bool kNf4, int M, int NR>
void rows_tile(const QuantView& w, const VnniActivations& a, float* y, int64_t ldy, int64_t r,
               int64_t m0, bool fold, __m512i lane_idx) {
  constexpr int64_t C = 512 / kBits;
  constexpr int S = 8 / kBits;
  const int64_t K = w.cols, G = w.group, NG = w.groups;
  const float smul = kNf4 ? 1.0f / 127.0f : 1.0f;
  const int8_t* q = a.q.data() + m0 * a.row_stride;
  const float* xs = a.scale.data() + m0 * a.chunks * 16;
  const float* zs = a.zsum.data() + m0 * NG;
  const uint8_t* codes[NR];
  for (int i = 0; i < NR; ++i) codes[i] = reinterpret_cast<const uint8_t*>(w.codes + (r + i) * w.words_per_row);

  __m512 acc[NR][M];
  for (int i = 0; i < NR; ++i) {
    for (int m = 0; m < M; ++m) acc[i][m] = _mm512_setzero_ps();
  }
  Codes<kBits, kNf4> c[NR];
  // One step: the int32 dot of every (row, activation row) pair as f32,
  // and the activation blocks' scales; `emit(i, m, dot, scales)` takes them.
  auto step = [&](int64_t k, auto&& emit) {
    const int64_t n = std::min(C, K - k);
    for (int i = 0; i < NR; ++i) c[i].load(codes[i] + k * kBits / 8, n * kBits / 8);
    for (int m = 0; m < M; ++m) {
      const int8_t* qm = q + m * a.row_stride + k;
      __m512i qv[S];
      for (int s = 0; s < S; ++s) qv[s] = _mm512_loadu_si512(qm + s * (n / S));
      const __m512 xsv = _mm512_loadu_ps(xs + (m * a.chunks + k / C) * 16);
      for (int i = 0; i < NR; ++i) {
        __m512i d = _mm512_dpbusd_epi32(_mm512_setzero_si512(), c[i].set[0], qv[0]);
        for (int s = 1; s < S; ++s) d = _mm512_dpbusd_epi32(d, c[i].set[s], qv[s]);
        emit(i, m, _mm512_cvtepi32_ps(d), xsv);
      }
    }
  };
  if (fold) {
    for (int64_t g = 0; g < NG; ++g) {
      __m512 ag[NR][M];
      for (int i = 0; i < NR; ++i) {
        for (int m = 0; m < M; ++m) ag[i][m] = _mm512_setzero_ps();
      }
      const int64_t end = std::min(K, (g + 1) * G);
      for (int64_t k = g * G; k < end; k += C) {
        step(k, [&](int i, int m, __m512 d, __m512 xsv) { ag[i][m] = _mm512_fmadd_ps(d, xsv, ag[i][m]); });
      }
      for (int i = 0; i < NR; ++i) {
        const __m512 sv = _mm512_set1_ps(smul * scale_at(w, (r + i) * NG + g));
        for (int m = 0; m < M; ++m) acc[i][m] = _mm512_fmadd_ps(ag[i][m], sv, acc[i][m]);
      }
    }
  } else {
    for (int64_t k = 0; k < K; k += C) {
      const int64_t n = std::min(C, K - k);
      __m512 sw[NR];
      for (int i = 0; i < NR; ++i) {
        sw[i] = _mm512_mul_ps(_mm512_set1_ps(smul),
                              _mm512_permutexvar_ps(lane_idx, load_scales(w, (r + i) * NG + k / G, n / G)));
      }
      step(k, [&](int i, int m, __m512 d, __m512 xsv) {
        acc[i][m] = _mm512_fmadd_ps(_mm512_mul_ps(d, sw[i]), xsv, acc[i][m]);
      });
    }
  }

  // Zero points: Σ_g scale · zero · zsum, sixteen groups at a time.
  for (int64_t g = 0; g < NG; g += 16) {
    const int64_t n = std::min<int64_t>(16, NG - g);
    const auto mask = static_cast<__mmask16>((1u << n) - 1u);
    __m512 zv[M];
    for (int m = 0; m < M; ++m) zv[m] = _mm512_maskz_loadu_ps(mask, zs + m * NG + g);
    for (int i = 0; i < NR; ++i) {
      __m512 sz = load_scales(w, (r + i) * NG + g, n);
      if (kNf4) {
        sz = _mm512_mul_ps(sz, _mm512_set1_ps(128.0f / 127.0f));
      } else if (w.zeros) {
        const __m128i z8 = _mm_maskz_loadu_epi8(mask, w.zeros + (r + i) * NG + g);
        sz = _mm512_mul_ps(sz, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(z8)));
      } else {
        sz = _mm512_mul_ps(sz, _mm512_set1_ps(static_cast<float>(w.implied_zero)));
      }
      for (int m = 0; m < M; ++m) acc[i][m] = _mm512_fnmadd_ps(sz, zv[m], acc[i][m]);
    }
  }
  for (int m = 0; m < M; ++m) {
    float* ym = y + (m0 + m) * ldy + r;
    if constexpr (NR == 4) {
      _mm_storeu_ps(ym, reduce4(acc[0][m], acc[1][m], acc[2][m], acc[3][m]));
    } else {
      for (int i = 0; i < NR; ++i) ym[i] = _mm512_reduce_add_ps(acc[i][m]);
    }
  }
}

template <int kBits, bool kNf4, int M>
void rows_block(const QuantView& w, const VnniActivations& a, float* y, int64_t ldy, int64_t r0,
                int64_t r1, int64_t m0) {
  constexpr int64_t C = 512 / kBits;
  const bool fold = w.group % C == 0 || w.group == w.cols;
  const __m512i lane_idx = fold ? _mm512_setzero_si512() : lane_groups(kBits, w.group);
  // Four weight rows per tile for one activation row (two at 2 bits, whose
  // four code sets fill the registers), one row for several.
  constexpr int NR = M == 1 ? (kBits == 2 ? 2 : 4) : (kBits == 2 ? 1 : 2);
  int64_t r = r0;
  for (; r + NR <= r1; r += NR) rows_tile<kBits, kNf4, M, NR>(w, a, y, ldy, r, m0, fold, lane_idx);
  for (; r < r1; ++r) rows_tile<kBits, kNf4, M, 1>(w, a, y, ldy, r, m0, fold, lane_idx);
}

template <int kBits, bool kNf4>
void rows_impl(const QuantView& w, const VnniActivations& a, float* y, int64_t ldy, int64_t r0,
               int64_t r1) {
  int64_t m = 0;
  for (; m + 4 <= a.M; m += 4) rows_block<kBits, kNf4, 4>(w, a, y, ldy, r0, r1, m);
  switch (a.M - m) {
    case 3: rows_block<kBits, kNf4, 3>(w, a, y, ldy, r0, r1, m); break;
    case 2: rows_block<kBits, kNf4, 2>(w, a, y, ldy, r0, r1, m); break;
    case 1: rows_block<kBits, kNf4, 1>(w, a, y, ldy, r0, r1, m); break;
    default: break;
  }
}

}  // namespace

bool vnni_supported(const QuantView& w) {
  return w.bits == 8 || w.bits == 4 || w.bits == 2;
}

void vnni_prepare(const QuantView& w, const float* x, int64_t M, VnniActivations& a) {
  const int64_t K = w.cols, C = step_of(w.bits), S = sets_of(w.bits);
  a.M = M;
  a.K = K;
  a.chunk = C;
  a.chunks = (K + C - 1) / C;
  a.row_stride = a.chunks * C;
  a.q.assign(static_cast<size_t>(M * a.row_stride), 0);
  a.scale.assign(static_cast<size_t>(M * a.chunks * 16), 0.0f);
  a.zsum.assign(static_cast<size_t>(M * w.groups), 0.0f);
  const int64_t lanes_per_block = 16 / (C / kBlock);
  // Set s of a block takes its columns s, s + S, s + 2S, ...: lane j of the
  // two-register gather reads column j · S + s.
  __m512i gather[4];
  for (int set = 0; set < S; ++set) {
    alignas(64) int32_t idx[16];
    for (int j = 0; j < 16; ++j) idx[j] = static_cast<int32_t>((j * S + set) & 31);
    gather[set] = _mm512_load_si512(idx);
  }
  const auto set_mask = static_cast<__mmask16>(S == 1 ? 0xFFFFu : (1u << (kBlock / S)) - 1u);
  const __m512 sign = _mm512_set1_ps(-0.0f);
  for (int64_t m = 0; m < M; ++m) {
    const float* xr = x + m * K;
    int8_t* qr = a.q.data() + m * a.row_stride;
    float* zsum = a.zsum.data() + m * w.groups;
    for (int64_t k = 0; k < K; k += C) {
      const int64_t n = std::min(C, K - k), t = k / C, len = n / S;
      float* scale = a.scale.data() + (m * a.chunks + t) * 16;
      for (int64_t b = 0; b < n / kBlock; ++b) {
        const float* xb = xr + k + b * kBlock;
        const __m512 lo = _mm512_loadu_ps(xb), hi = _mm512_loadu_ps(xb + 16);
        const float amax = _mm512_reduce_max_ps(_mm512_max_ps(_mm512_andnot_ps(sign, lo), _mm512_andnot_ps(sign, hi)));
        const float d = amax / 127.0f;
        const __m512 id = _mm512_set1_ps(d > 0.0f ? 1.0f / d : 0.0f);
        // Round to nearest even, as nearbyint: the default MXCSR mode.
        const __m512i qlo = _mm512_cvtps_epi32(_mm512_mul_ps(lo, id));
        const __m512i qhi = _mm512_cvtps_epi32(_mm512_mul_ps(hi, id));
        if (S == 1) {
          _mm_storeu_si128(reinterpret_cast<__m128i*>(qr + k + b * kBlock), _mm512_cvtepi32_epi8(qlo));
          _mm_storeu_si128(reinterpret_cast<__m128i*>(qr + k + b * kBlock + 16), _mm512_cvtepi32_epi8(qhi));
        } else {
          for (int set = 0; set < S; ++set) {
            const __m512i v = _mm512_permutex2var_epi32(qlo, gather[set], qhi);
            _mm_mask_storeu_epi8(qr + k + set * len + b * (kBlock / S), set_mask, _mm512_cvtepi32_epi8(v));
          }
        }
        const int sum = _mm512_reduce_add_epi32(_mm512_add_epi32(qlo, qhi));
        for (int64_t l = b * lanes_per_block; l < (b + 1) * lanes_per_block; ++l) scale[l] = d;
        zsum[(k + b * kBlock) / w.group] += d * static_cast<float>(sum);
      }
    }
  }
}

void vnni_rows(const QuantView& w, const VnniActivations& a, float* y, int64_t ldy, int64_t r0,
               int64_t r1) {
  switch (w.bits) {
    case 8: return rows_impl<8, false>(w, a, y, ldy, r0, r1);
    case 4: return w.nf4 ? rows_impl<4, true>(w, a, y, ldy, r0, r1) : rows_impl<4, false>(w, a, y, ldy, r0, r1);
    default: return rows_impl<2, false>(w, a, y, ldy, r0, r1);
  }
}

}  // namespace slimlm::kernels::cpu
