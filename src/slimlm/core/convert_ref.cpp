// Scalar reference conversions: plain integer arithmetic on the bit patterns,
// independent of the FPU rounding mode and of DAZ/FTZ.
#include <array>
#include <cstring>

#include "slimlm/core/convert.h"
#include "slimlm/core/convert_kernels.h"

namespace slimlm {
namespace {

uint32_t bits_of(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

float float_of(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// A small binary float format: `ebits` exponent bits with bias `bias`,
// `mbits` stored mantissa bits, subnormals, and the largest finite magnitude
// code `max_code` (sign excluded). Codes above it are Inf or NaN.
struct MiniFloat {
  int mbits;
  int bias;
  uint32_t max_code;
  uint32_t sign_bit;
  uint32_t overflow_code;  // what a finite overflow becomes (Inf, or NaN for E4M3)
  uint32_t inf_code;       // what an infinite input becomes
};

// Round-to-nearest-even encoding of `f` in the format `m`; NaNs are handled by
// the caller.
uint32_t encode_finite(float f, const MiniFloat& m) {
  const uint32_t x = bits_of(f);
  const uint32_t sign = (x >> 31) ? m.sign_bit : 0;
  const uint32_t a = x & 0x7fffffffu;
  if (a >= 0x7f800000u) return sign | m.inf_code;
  uint32_t exp = a >> 23;
  uint32_t mant = a & 0x7fffffu;
  // Smallest normal of the target is 2^(1-bias), f32 exponent field 128-bias.
  const uint32_t min_normal_exp = static_cast<uint32_t>(128 - m.bias);
  uint32_t code;
  if (exp >= min_normal_exp) {
    // Re-bias and drop mantissa bits, rounding to nearest even; a carry out of
    // the mantissa correctly bumps the exponent.
    const int shift = 23 - m.mbits;
    const uint32_t half = (1u << (shift - 1)) - 1u;
    const uint32_t rounded = a + half + ((a >> shift) & 1u);
    code = (rounded >> shift) - ((127u - static_cast<uint32_t>(m.bias)) << m.mbits);
  } else {
    // Target subnormal: the result counts units of 2^(1-bias-mbits).
    if (exp == 0) {
      exp = 1;  // f32 subnormal: no implicit bit
    } else {
      mant |= 0x800000u;
    }
    const uint32_t shift = 151u - static_cast<uint32_t>(m.bias + m.mbits) - exp;
    if (shift >= 32) return sign;
    code = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1u);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (code & 1u))) ++code;
  }
  if (code > m.max_code) return sign | m.overflow_code;
  return sign | code;
}

constexpr MiniFloat kF16{10, 15, 0x7bff, 0x8000, 0x7c00, 0x7c00};
constexpr MiniFloat kE5M2{2, 15, 0x7b, 0x80, 0x7c, 0x7c};
constexpr MiniFloat kE4M3{3, 7, 0x7e, 0x80, 0x7f, 0x7f};

std::array<float, 256> make_e4m3_table() {
  std::array<float, 256> t{};
  for (uint32_t v = 0; v < 256; ++v) {
    const uint32_t sign = (v & 0x80u) << 24;
    const uint32_t e = (v >> 3) & 0xfu;
    const uint32_t m = v & 0x7u;
    uint32_t bits;
    if (e == 0xf && m == 0x7) {
      bits = sign | 0x7fc00000u;
    } else if (e == 0) {
      // m * 2^-9, exact in f32.
      const float mag = static_cast<float>(m) * (1.0f / 512.0f);
      bits = sign | bits_of(mag);
    } else {
      bits = sign | ((e + 120u) << 23) | (m << 20);
    }
    t[v] = float_of(bits);
  }
  return t;
}

const std::array<float, 256> kE4M3Table = make_e4m3_table();

}  // namespace

float f16_to_f32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  if (exp == 0x1f) {
    // Inf keeps a zero mantissa; NaN keeps its payload and becomes quiet.
    return float_of(sign | 0x7f800000u | (mant << 13) | (mant ? 0x400000u : 0u));
  }
  if (exp == 0) {
    if (mant == 0) return float_of(sign);
    // Subnormal: shift the leading one up to the implicit position.
    exp = 1;
    while (!(mant & 0x400u)) {
      mant <<= 1;
      --exp;
    }
    mant &= 0x3ffu;
    return float_of(sign | ((exp + 112u) << 23) | (mant << 13));
  }
  return float_of(sign | ((exp + 112u) << 23) | (mant << 13));
}

uint16_t f32_to_f16(float f) {
  const uint32_t x = bits_of(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) {
    return static_cast<uint16_t>(((x >> 16) & 0x8000u) | 0x7e00u | ((x >> 13) & 0x3ffu));
  }
  return static_cast<uint16_t>(encode_finite(f, kF16));
}

float bf16_to_f32(uint16_t b) { return float_of(static_cast<uint32_t>(b) << 16); }

uint16_t f32_to_bf16(float f) {
  const uint32_t x = bits_of(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((x >> 16) | 0x40u);
  // Rounding on the raw bits is RNE for normals and subnormals alike, and
  // overflows into the Inf pattern.
  return static_cast<uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

float f8_e4m3_to_f32(uint8_t v) { return kE4M3Table[v]; }

uint8_t f32_to_f8_e4m3(float f) {
  const uint32_t x = bits_of(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint8_t>(((x >> 24) & 0x80u) | 0x7fu);
  return static_cast<uint8_t>(encode_finite(f, kE4M3));
}

float f8_e5m2_to_f32(uint8_t v) { return f16_to_f32(static_cast<uint16_t>(v << 8)); }

uint8_t f32_to_f8_e5m2(float f) {
  const uint32_t x = bits_of(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<uint8_t>(((x >> 24) & 0x80u) | 0x7fu);
  return static_cast<uint8_t>(encode_finite(f, kE5M2));
}

namespace detail {

void f16_to_f32_scalar(const uint16_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = f16_to_f32(src[i]);
}
void f32_to_f16_scalar(const float* src, uint16_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = f32_to_f16(src[i]);
}
void bf16_to_f32_scalar(const uint16_t* src, float* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(src[i]);
}
void f32_to_bf16_scalar(const float* src, uint16_t* dst, size_t n) {
  for (size_t i = 0; i < n; ++i) dst[i] = f32_to_bf16(src[i]);
}

}  // namespace detail
}  // namespace slimlm
