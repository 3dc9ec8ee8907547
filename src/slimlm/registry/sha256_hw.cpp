// SHA-NI: each _mm_sha256rnds2_epu32 does two rounds on the state held as
// ABEF / CDGH halves; msg1/msg2 compute the message schedule four words at a
// time. Compiled with per-function target attributes, so the rest of the
// binary needs no -msha.
#include "slimlm/registry/sha256_hw.h"

#include "slimlm/core/cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#include <immintrin.h>
#define SLIMLM_HAVE_SHA_NI 1
#endif

namespace slimlm::registry::detail {

#ifdef SLIMLM_HAVE_SHA_NI
namespace {

bool cpu_has_sha_ni() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return false;
  const bool ssse3 = (c & (1u << 9)) != 0, sse41 = (c & (1u << 19)) != 0;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool sha = (b & (1u << 29)) != 0;
  return ssse3 && sse41 && sha;
}

}  // namespace

bool sha256_hw_available() {
  static const bool has = cpu_has_sha_ni();
  return has && best_isa() != Isa::kScalar;
}

__attribute__((target("sha,sse4.1,ssse3"))) void sha256_blocks_hw(uint32_t state[8], const uint8_t* data,
                                                                   size_t blocks) {
  // Big-endian words from little-endian loads.
  const __m128i kByteSwap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  // state a..h -> ABEF and CDGH, the layout sha256rnds2 works on.
  __m128i tmp = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[0])), 0xB1);  // CDAB
  __m128i s1 = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(&state[4])), 0x1B);   // EFGH
  __m128i s0 = _mm_alignr_epi8(tmp, s1, 8);   // ABEF
  s1 = _mm_blend_epi16(s1, tmp, 0xF0);        // CDGH

  for (; blocks > 0; --blocks, data += 64) {
    const __m128i abef = s0, cdgh = s1;
    __m128i w[4];  // the last four groups of four schedule words, w[i % 4] = group i
    // Unrolled, the w[] indices are constants and stay in registers.
#pragma GCC unroll 16
    for (int i = 0; i < 16; ++i) {
      __m128i& wi = w[i % 4];
      if (i < 4) {
        wi = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * i)), kByteSwap);
      } else {
        // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], four at a time:
        // msg1 adds σ0 terms to group i-4, alignr supplies W[t-7..t-4],
        // msg2 adds the σ1 terms (which need the words just computed).
        const __m128i& prev = w[(i + 3) % 4];   // group i-1
        const __m128i& prev2 = w[(i + 2) % 4];  // group i-2
        const __m128i x = _mm_add_epi32(_mm_sha256msg1_epu32(wi, w[(i + 1) % 4]), _mm_alignr_epi8(prev, prev2, 4));
        wi = _mm_sha256msg2_epu32(x, prev);
      }
      __m128i msg = _mm_add_epi32(wi, _mm_load_si128(reinterpret_cast<const __m128i*>(&kSha256Round[4 * i])));
      s1 = _mm_sha256rnds2_epu32(s1, s0, msg);
      msg = _mm_shuffle_epi32(msg, 0x0E);
      s0 = _mm_sha256rnds2_epu32(s0, s1, msg);
    }
    s0 = _mm_add_epi32(s0, abef);
    s1 = _mm_add_epi32(s1, cdgh);
  }

  tmp = _mm_shuffle_epi32(s0, 0x1B);     // FEBA
  s1 = _mm_shuffle_epi32(s1, 0xB1);      // DCHG
  s0 = _mm_blend_epi16(tmp, s1, 0xF0);   // DCBA
  s1 = _mm_alignr_epi8(s1, tmp, 8);      // HGFE
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[0]), s0);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(&state[4]), s1);
}

#else

bool sha256_hw_available() { return false; }
void sha256_blocks_hw(uint32_t*, const uint8_t*, size_t) {}

#endif

}  // namespace slimlm::registry::detail
