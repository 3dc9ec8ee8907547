// 8-bit floats: every pattern decodes to its definition, and encoding is
// round-to-nearest-even checked against a brute-force nearest search.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "float_bits.h"
#include "slimlm/core/convert.h"

namespace slimlm {
namespace {

using test::bits;

double e4m3_value(uint8_t v) {
  const int e = (v >> 3) & 0xf, m = v & 7;
  const double sign = (v & 0x80) ? -1 : 1;
  if (e == 0) return sign * std::ldexp(m, -9);
  return sign * std::ldexp(8 + m, e - 10);
}

double e5m2_value(uint8_t v) {
  const int e = (v >> 2) & 0x1f, m = v & 3;
  const double sign = (v & 0x80) ? -1 : 1;
  if (e == 0) return sign * std::ldexp(m, -16);
  if (e == 31) return sign * INFINITY;
  return sign * std::ldexp(4 + m, e - 17);
}

TEST(ConvertF8, EveryE4M3PatternDecodes) {
  for (int v = 0; v < 256; ++v) {
    const float got = f8_e4m3_to_f32(static_cast<uint8_t>(v));
    if ((v & 0x7f) == 0x7f) {
      EXPECT_TRUE(std::isnan(got)) << v;
      EXPECT_EQ(std::signbit(got), v >= 0x80) << v;
      continue;
    }
    EXPECT_EQ(static_cast<double>(got), e4m3_value(static_cast<uint8_t>(v))) << v;
    EXPECT_EQ(std::signbit(got), v >= 0x80) << v;
  }
  EXPECT_EQ(f8_e4m3_to_f32(0x7e), 448.0f);
  EXPECT_EQ(f8_e4m3_to_f32(0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(f8_e4m3_to_f32(0x38), 1.0f);
  EXPECT_EQ(f8_e4m3_to_f32(0xc4), -3.0f);
}

TEST(ConvertF8, EveryE5M2PatternDecodes) {
  for (int v = 0; v < 256; ++v) {
    const float got = f8_e5m2_to_f32(static_cast<uint8_t>(v));
    if ((v & 0x7c) == 0x7c && (v & 3)) {
      EXPECT_TRUE(std::isnan(got)) << v;
      continue;
    }
    EXPECT_EQ(static_cast<double>(got), e5m2_value(static_cast<uint8_t>(v))) << v;
    EXPECT_EQ(std::signbit(got), v >= 0x80) << v;
  }
  EXPECT_EQ(f8_e5m2_to_f32(0x7b), 57344.0f);
  EXPECT_EQ(f8_e5m2_to_f32(0x3c), 1.0f);
  EXPECT_EQ(f8_e5m2_to_f32(0x7c), INFINITY);
}

// Brute force: nearest code by value, ties to the even code. `overflow` is
// what a value past the largest finite code (after rounding) becomes.
uint8_t nearest(float x, double (*value)(uint8_t), uint8_t max_code, uint8_t overflow) {
  const uint8_t sign = std::signbit(x) ? 0x80 : 0;
  const double a = std::fabs(static_cast<double>(x));
  // The next value past max_code, as if the exponent range went on.
  const double beyond = 2 * value(max_code) - value(max_code - 1);
  if (a > beyond) return sign | overflow;  // (huge values would tie in double)
  uint8_t best = 0;
  double best_d = INFINITY;
  for (int c = 0; c <= max_code + 1; ++c) {
    const double v = c <= max_code ? value(static_cast<uint8_t>(c)) : beyond;
    const double d = std::fabs(a - v);
    if (d < best_d || (d == best_d && (c & 1) == 0)) {
      best = static_cast<uint8_t>(c);
      best_d = d;
    }
  }
  return sign | (best > max_code ? overflow : best);
}

// Every code, every midpoint between neighbours and one f32 ulp either side,
// plus random values over the whole range.
std::vector<float> f8_inputs(double (*value)(uint8_t), uint8_t max_code) {
  std::vector<float> in;
  for (int c = 0; c <= max_code; ++c) {
    const double v = value(static_cast<uint8_t>(c));
    const double next = c < max_code ? value(static_cast<uint8_t>(c + 1))
                                     : 2 * v - value(static_cast<uint8_t>(c - 1));
    const float mid = static_cast<float>((v + next) / 2);
    for (float f : {static_cast<float>(v), mid, std::nextafter(mid, 0.0f),
                    std::nextafter(mid, INFINITY)}) {
      in.push_back(f);
      in.push_back(-f);
    }
  }
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> mant(1.0, 2.0);
  std::uniform_int_distribution<int> exp(-24, 18);
  for (int i = 0; i < 200'000; ++i) {
    in.push_back(static_cast<float>(std::ldexp(mant(rng), exp(rng)) * (i % 2 ? -1 : 1)));
  }
  in.push_back(1e30f);
  in.push_back(1e-30f);
  in.push_back(test::from_bits(1));  // f32 subnormal
  return in;
}

TEST(ConvertF8, E4M3EncodeRoundsToNearestEven) {
  for (float f : f8_inputs(e4m3_value, 0x7e)) {
    ASSERT_EQ(f32_to_f8_e4m3(f), nearest(f, e4m3_value, 0x7e, 0x7f)) << f << " " << std::hex
                                                                      << bits(f);
  }
  EXPECT_EQ(f32_to_f8_e4m3(448.0f), 0x7e);
  EXPECT_EQ(f32_to_f8_e4m3(464.0f), 0x7e);  // halfway to 480: ties to even
  EXPECT_EQ(f32_to_f8_e4m3(464.5f), 0x7f);  // NaN: E4M3 has no Inf
  EXPECT_EQ(f32_to_f8_e4m3(INFINITY), 0x7f);
  EXPECT_EQ(f32_to_f8_e4m3(-INFINITY), 0xff);
  EXPECT_EQ(f32_to_f8_e4m3(NAN), 0x7f);
  EXPECT_EQ(f32_to_f8_e4m3(std::ldexp(1.0f, -10)), 0x00);  // half the smallest subnormal
  EXPECT_EQ(f32_to_f8_e4m3(std::ldexp(3.0f, -10)), 0x02);  // 1.5 units: ties to even
  EXPECT_EQ(f32_to_f8_e4m3(-0.0f), 0x80);
  EXPECT_EQ(f32_to_f8_e4m3(1.0f), 0x38);
}

TEST(ConvertF8, E5M2EncodeRoundsToNearestEven) {
  for (float f : f8_inputs(e5m2_value, 0x7b)) {
    ASSERT_EQ(f32_to_f8_e5m2(f), nearest(f, e5m2_value, 0x7b, 0x7c)) << f << " " << std::hex
                                                                      << bits(f);
  }
  EXPECT_EQ(f32_to_f8_e5m2(57344.0f), 0x7b);
  EXPECT_EQ(f32_to_f8_e5m2(61439.0f), 0x7b);
  EXPECT_EQ(f32_to_f8_e5m2(61440.0f), 0x7c);  // halfway, ties to even = Inf
  EXPECT_EQ(f32_to_f8_e5m2(-INFINITY), 0xfc);
  EXPECT_EQ(f32_to_f8_e5m2(-NAN) & 0x7f, 0x7f);
  EXPECT_EQ(f32_to_f8_e5m2(std::ldexp(1.0f, -17)), 0x00);
  EXPECT_EQ(f32_to_f8_e5m2(std::ldexp(3.0f, -17)), 0x02);
}

TEST(ConvertF8, EveryCodeRoundTrips) {
  for (int v = 0; v < 256; ++v) {
    const auto c = static_cast<uint8_t>(v);
    if ((v & 0x7f) != 0x7f) {
      EXPECT_EQ(f32_to_f8_e4m3(f8_e4m3_to_f32(c)), c) << v;
    }
    if ((v & 0x7f) <= 0x7c) {
      EXPECT_EQ(f32_to_f8_e5m2(f8_e5m2_to_f32(c)), c) << v;
    }
  }
}

}  // namespace
}  // namespace slimlm
