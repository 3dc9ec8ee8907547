#pragma once
// Test helpers: float <-> bits, and conversions written independently of the
// library (double arithmetic, ldexp) to check the reference against.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace slimlm::test {

inline uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

inline float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

// f16 bit pattern -> value, from the IEEE 754 definition. NaNs are not
// handled here (their payload is checked separately).
inline double f16_value(uint16_t h) {
  const int e = (h >> 10) & 0x1f;
  const int m = h & 0x3ff;
  const double sign = (h & 0x8000) ? -1.0 : 1.0;
  if (e == 0) return sign * std::ldexp(m, -24);
  if (e == 31) return sign * INFINITY;
  return sign * std::ldexp(1024 + m, e - 25);
}

// Round |x| to a binary format with `mant_bits` fraction bits and minimum
// normal exponent `emin`, to nearest even, in double arithmetic. Returns the
// rounded magnitude (may exceed the format's range; callers check overflow).
inline double round_to_precision(double a, int mant_bits, int emin) {
  if (a == 0) return 0;
  int e;
  std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1)
  const int exp = std::max(e - 1, emin);
  const double q = std::ldexp(1.0, exp - mant_bits);
  return std::nearbyint(a / q) * q;  // default rounding mode: nearest even
}

// Independent f32 -> f16 for non-NaN inputs.
inline uint16_t indep_f32_to_f16(float f) {
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const double a = std::fabs(static_cast<double>(f));
  if (std::isinf(a)) return sign | 0x7c00;
  const double v = round_to_precision(a, 10, -14);
  if (v > 65504.0) return sign | 0x7c00;
  if (v < std::ldexp(1.0, -14)) return sign | static_cast<uint16_t>(std::ldexp(v, 24));
  int e;
  const double fr = std::frexp(v, &e);  // v = fr * 2^e
  const auto mant = static_cast<uint16_t>(std::ldexp(fr * 2 - 1, 10));
  return sign | static_cast<uint16_t>((e - 1 + 15) << 10) | mant;
}

// Independent f32 -> bf16 for non-NaN inputs.
inline uint16_t indep_f32_to_bf16(float f) {
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const double a = std::fabs(static_cast<double>(f));
  if (std::isinf(a)) return sign | 0x7f80;
  const double v = round_to_precision(a, 7, -126);
  if (v >= std::ldexp(1.0, 128)) return sign | 0x7f80;
  const uint32_t b = bits(static_cast<float>(v));  // exact: v has <= 8 significant bits
  return sign | static_cast<uint16_t>(b >> 16);
}

}  // namespace slimlm::test
