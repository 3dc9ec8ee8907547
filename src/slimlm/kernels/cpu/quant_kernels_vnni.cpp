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
  // q: the step's activations; each set reads set_len bytes from q + s · set_len.
  __m512i dot(const int8_t* q, int64_t set_len) const {
    __m512i acc = _mm512_setzero_si512();
    for (int s = 0; s < 8 / kBits; ++s) {
      acc = _mm512_dpbusd_epi32(acc, set[s], _mm512_loadu_si512(q + s * set_len));
    }
    return acc;
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

template <int kBits, bool kNf4, int M>
void rows_block(const QuantView& w, const VnniActivations& a, float* y, int64_t ldy, int64_t r0,
                int64_t r1, int64_t m0) {
  const int64_t K = w.cols, G = w.group, NG = w.groups, C = a.chunk;
  const int S = sets_of(kBits);
  const float smul = kNf4 ? 1.0f / 127.0f : 1.0f;
  const bool fold = G % C == 0 || G == K;
  const __m512i lane_idx = fold ? _mm512_setzero_si512() : lane_groups(kBits, G);
  const int8_t* q = a.q.data() + m0 * a.row_stride;
  const float* xs = a.scale.data() + m0 * a.chunks * 16;
  const float* zs = a.zsum.data() + m0 * NG;
  for (int64_t r = r0; r < r1; ++r) {
    const auto* codes = reinterpret_cast<const uint8_t*>(w.codes + r * w.words_per_row);
    __m512 acc[M];
    for (int m = 0; m < M; ++m) acc[m] = _mm512_setzero_ps();
    Codes<kBits, kNf4> c;
    if (fold) {
      for (int64_t g = 0; g < NG; ++g) {
        __m512 ag[M];
        for (int m = 0; m < M; ++m) ag[m] = _mm512_setzero_ps();
        const int64_t end = std::min(K, (g + 1) * G);
        for (int64_t k = g * G; k < end; k += C) {
          const int64_t n = std::min(C, K - k), t = k / C;
          c.load(codes + k * kBits / 8, n * kBits / 8);
          for (int m = 0; m < M; ++m) {
            const __m512i d = c.dot(q + m * a.row_stride + k, n / S);
            ag[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(d), _mm512_loadu_ps(xs + (m * a.chunks + t) * 16), ag[m]);
          }
        }
        const __m512 s = _mm512_set1_ps(smul * scale_at(w, r * NG + g));
        for (int m = 0; m < M; ++m) acc[m] = _mm512_fmadd_ps(ag[m], s, acc[m]);
      }
    } else {
      for (int64_t k = 0, t = 0; k < K; k += C, ++t) {
        const int64_t n = std::min(C, K - k);
        c.load(codes + k * kBits / 8, n * kBits / 8);
        const __m512 sw = _mm512_mul_ps(_mm512_set1_ps(smul),
                                        _mm512_permutexvar_ps(lane_idx, load_scales(w, r * NG + k / G, n / G)));
        for (int m = 0; m < M; ++m) {
          const __m512i d = c.dot(q + m * a.row_stride + k, n / S);
          acc[m] = _mm512_fmadd_ps(_mm512_mul_ps(_mm512_cvtepi32_ps(d), sw),
                                   _mm512_loadu_ps(xs + (m * a.chunks + t) * 16), acc[m]);
        }
      }
    }
    // Zero points: Σ_g scale · zero · zsum, sixteen groups at a time.
    __m512 corr[M];
    for (int m = 0; m < M; ++m) corr[m] = _mm512_setzero_ps();
    for (int64_t g = 0; g < NG; g += 16) {
      const int64_t n = std::min<int64_t>(16, NG - g);
      const auto mask = static_cast<__mmask16>((1u << n) - 1u);
      __m512 sz = load_scales(w, r * NG + g, n);
      if (kNf4) {
        sz = _mm512_mul_ps(sz, _mm512_set1_ps(128.0f / 127.0f));
      } else if (w.zeros) {
        const __m128i z8 = _mm_maskz_loadu_epi8(mask, w.zeros + r * NG + g);
        sz = _mm512_mul_ps(sz, _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(z8)));
      } else {
        sz = _mm512_mul_ps(sz, _mm512_set1_ps(static_cast<float>(w.implied_zero)));
      }
      for (int m = 0; m < M; ++m) {
        corr[m] = _mm512_fmadd_ps(sz, _mm512_maskz_loadu_ps(mask, zs + m * NG + g), corr[m]);
      }
    }
    for (int m = 0; m < M; ++m) {
      y[(m0 + m) * ldy + r] = _mm512_reduce_add_ps(_mm512_sub_ps(acc[m], corr[m]));
    }
  }
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
  const int64_t blocks_per_step = C / kBlock, lanes_per_block = 16 / blocks_per_step;
  for (int64_t m = 0; m < M; ++m) {
    const float* xr = x + m * K;
    int8_t* qr = a.q.data() + m * a.row_stride;
    for (int64_t k = 0; k < K; k += C) {
      const int64_t n = std::min(C, K - k), t = k / C;
      for (int64_t b = 0; b < n / kBlock; ++b) {
        const float* xb = xr + k + b * kBlock;
        float amax = 0.0f;
        for (int i = 0; i < kBlock; ++i) amax = std::max(amax, std::fabs(xb[i]));
        const float d = amax / 127.0f;
        const float id = d > 0.0f ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int i = 0; i < kBlock; ++i) {
          const int v = static_cast<int>(std::nearbyint(xb[i] * id));
          const int64_t e = b * kBlock + i;  // column within the step
          qr[k + (e % S) * (n / S) + e / S] = static_cast<int8_t>(v);
          sum += v;
        }
        for (int64_t l = b * lanes_per_block; l < (b + 1) * lanes_per_block; ++l) {
          a.scale[static_cast<size_t>((m * a.chunks + t) * 16 + l)] = d;
        }
        a.zsum[static_cast<size_t>(m * w.groups + (k + b * kBlock) / w.group)] += d * static_cast<float>(sum);
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
