// The scalar reference conversions against independent computations: every
// f16 and bf16 bit pattern, rounding edge cases, and millions of f32 inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "float_bits.h"
#include "slimlm/core/convert.h"

namespace slimlm {
namespace {

using test::bits;
using test::from_bits;

TEST(ConvertRef, EveryF16PatternDecodesExactly) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const float got = f16_to_f32(static_cast<uint16_t>(h));
    const uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
    if (e == 31 && m != 0) {
      // NaN: same sign, payload kept, quiet bit set.
      ASSERT_TRUE(std::isnan(got)) << std::hex << h;
      ASSERT_EQ(bits(got), ((h & 0x8000u) << 16) | 0x7fc00000u | (m << 13)) << std::hex << h;
      continue;
    }
    const double want = test::f16_value(static_cast<uint16_t>(h));
    ASSERT_EQ(static_cast<double>(got), want) << std::hex << h;
    ASSERT_EQ(std::signbit(got), (h & 0x8000) != 0) << std::hex << h;  // -0 stays -0
  }
}

TEST(ConvertRef, F16SpecialValues) {
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0xc000), -2.0f);
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(f16_to_f32(0x03ff), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(f16_to_f32(0x0400), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_EQ(f16_to_f32(0x7c00), INFINITY);
  EXPECT_EQ(f16_to_f32(0xfc00), -INFINITY);
  EXPECT_EQ(bits(f16_to_f32(0x8000)), 0x80000000u);
  EXPECT_EQ(bits(f16_to_f32(0x7c01)), 0x7fc02000u);  // signalling NaN made quiet
  EXPECT_EQ(bits(f16_to_f32(0xfe00)), 0xffc00000u);
}

TEST(ConvertRef, EveryBF16PatternIsTheTopHalf) {
  for (uint32_t b = 0; b < 65536; ++b) {
    ASSERT_EQ(bits(bf16_to_f32(static_cast<uint16_t>(b))), b << 16) << std::hex << b;
  }
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0xc2f7), -123.5f);
  EXPECT_TRUE(std::isnan(bf16_to_f32(0x7fc0)));
  EXPECT_EQ(bf16_to_f32(0xff80), -INFINITY);
}

struct Case {
  uint32_t in;
  uint16_t out;
};

TEST(ConvertRef, F32ToF16EdgeCases) {
  const Case cases[] = {
      {0x00000000, 0x0000}, {0x80000000, 0x8000},  // +-0
      {0x3f800000, 0x3c00},                          // 1
      {0x3f801000, 0x3c00},  // 1 + 2^-11: halfway, ties to even (down)
      {0x3f803000, 0x3c02},  // 1 + 3*2^-11: halfway, ties to even (up)
      {0x3f801001, 0x3c01},  // just above halfway
      {0x3f800fff, 0x3c00},  // just below halfway
      {0x477fe000, 0x7bff},  // 65504, largest finite
      {0x477fefff, 0x7bff},  // just below the overflow threshold
      {0x477ff000, 0x7c00},  // 65520: halfway to 65536, ties to even = Inf
      {0x49742400, 0x7c00},  // 1e6 overflows
      {0xc9742400, 0xfc00},
      {0x7f7fffff, 0x7c00},  // f32 max
      {0x7f800000, 0x7c00}, {0xff800000, 0xfc00},  // +-Inf
      {0x38800000, 0x0400},  // 2^-14, smallest normal
      {0x387fc000, 0x03ff},  // 1023 * 2^-24, largest subnormal
      {0x387fe000, 0x0400},  // 1023.5 * 2^-24: ties to even, up to the first normal
      {0x387fa000, 0x03fe},  // 1022.5 * 2^-24: ties to even, down
      {0x33800000, 0x0001},  // 2^-24, smallest subnormal
      {0x33000000, 0x0000},  // 2^-25: halfway to the smallest subnormal, ties to 0
      {0x33000001, 0x0001},  // just above it
      {0xb3000001, 0x8001},
      {0x33c00000, 0x0002},  // 1.5 * 2^-24: ties to even (2)
      {0x34200000, 0x0002},  // 2.5 * 2^-24: ties to even (2)
      {0x32ffffff, 0x0000},
      {0x00000001, 0x0000}, {0x80000001, 0x8000},  // f32 subnormals vanish, sign kept
      {0x007fffff, 0x0000},
      {0x7fc00000, 0x7e00}, {0xffc00000, 0xfe00},  // quiet NaN
      {0x7f800001, 0x7e00},  // signalling NaN, payload below f16 precision
      {0xff812345, 0xfe09},  // payload's top bits kept
      {0x7fffffff, 0x7fff},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(f32_to_f16(from_bits(c.in)), c.out) << std::hex << c.in;
  }
}

TEST(ConvertRef, F32ToBF16EdgeCases) {
  const Case cases[] = {
      {0x00000000, 0x0000}, {0x80000000, 0x8000},
      {0x3f800000, 0x3f80},
      {0x3f808000, 0x3f80},  // halfway, ties to even (down)
      {0x3f818000, 0x3f82},  // halfway, ties to even (up)
      {0x3f808001, 0x3f81}, {0x3f807fff, 0x3f80},
      {0x7f7f0000, 0x7f7f},  // largest finite bf16
      {0x7f7f7fff, 0x7f7f},
      {0x7f7f8000, 0x7f80},  // halfway to 2^128: ties to even = Inf
      {0x7f7fffff, 0x7f80},  // f32 max overflows
      {0xff7fffff, 0xff80},
      {0x7f800000, 0x7f80}, {0xff800000, 0xff80},
      {0x00800000, 0x0080},  // smallest normal
      {0x00000001, 0x0000},  // f32 subnormals round like any other bits
      {0x00008000, 0x0000},  // halfway, ties to even
      {0x00018000, 0x0002},
      {0x00008001, 0x0001},
      {0x007fffff, 0x0080},  // rounds up into the normals
      {0x80400000, 0x8040},
      {0x7fc00000, 0x7fc0}, {0xffc00000, 0xffc0},
      {0x7f800001, 0x7fc0},  // signalling NaN would round to Inf: must stay NaN
      {0xff812345, 0xffc1},
      {0x7fffffff, 0x7fff},  // must not round up into the sign bit
  };
  for (const Case& c : cases) {
    EXPECT_EQ(f32_to_bf16(from_bits(c.in)), c.out) << std::hex << c.in;
  }
}

// Sign x exponent x mantissas around every rounding position: ties, one ulp
// either side, carries into the exponent.
std::vector<uint32_t> interesting_f32() {
  std::vector<uint32_t> mants = {0, 1, 2, 3, 0x7fffff, 0x7ffffe, 0x400000, 0x3fffff, 0x400001};
  for (int k = 1; k <= 23; ++k) {
    const uint32_t h = 1u << (k - 1);
    for (uint32_t base : {0u, 1u << k, 2u << k, 3u << k, 0x7fffffu & ~((1u << k) - 1)}) {
      for (uint32_t m : {h - 1, h, h + 1}) mants.push_back((base + m) & 0x7fffff);
    }
  }
  std::vector<uint32_t> out;
  out.reserve(mants.size() * 512);
  for (uint32_t sign : {0u, 0x80000000u}) {
    for (uint32_t e = 0; e < 256; ++e) {
      for (uint32_t m : mants) out.push_back(sign | (e << 23) | m);
    }
  }
  return out;
}

std::vector<uint32_t> random_f32(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> scale(-30, 20);
  std::vector<uint32_t> out(n);
  for (size_t i = 0; i < n; ++i) {
    switch (i % 3) {
      case 0: out[i] = rng(); break;  // any bit pattern
      case 1: out[i] = bits(normal(rng)); break;  // weight-like
      default: out[i] = bits(std::ldexp(normal(rng), scale(rng))); break;  // across f16's range
    }
  }
  return out;
}

void expect_matches_independent(const std::vector<uint32_t>& inputs) {
  size_t failures = 0;
  for (uint32_t x : inputs) {
    const float f = from_bits(x);
    if (std::isnan(f)) {
      const uint16_t h = f32_to_f16(f), b = f32_to_bf16(f);
      if ((h & 0x7e00) != 0x7e00 || (h >> 15) != (x >> 31) || (b & 0x7fc0) != 0x7fc0 ||
          (b >> 15) != (x >> 31)) {
        ADD_FAILURE() << "NaN " << std::hex << x << " -> f16 " << h << ", bf16 " << b;
        ++failures;
      }
    } else {
      const uint16_t h = f32_to_f16(f), hw = test::indep_f32_to_f16(f);
      const uint16_t b = f32_to_bf16(f), bw = test::indep_f32_to_bf16(f);
      if (h != hw || b != bw) {
        ADD_FAILURE() << std::hex << x << ": f16 " << h << " want " << hw << ", bf16 " << b
                      << " want " << bw;
        ++failures;
      }
    }
    ASSERT_LT(failures, 20u) << "stopping after 20 failures";
  }
}

TEST(ConvertRef, InterestingF32RoundCorrectly) { expect_matches_independent(interesting_f32()); }

TEST(ConvertRef, RandomF32RoundCorrectly) {
  expect_matches_independent(random_f32(3'000'000, 12345));
}

TEST(ConvertRef, EveryF16RoundTripsThroughF32) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const uint16_t back = f32_to_f16(f16_to_f32(static_cast<uint16_t>(h)));
    const bool nan = ((h >> 10) & 0x1f) == 31 && (h & 0x3ff);
    // NaNs come back quiet; everything else exactly.
    ASSERT_EQ(back, nan ? (h | 0x200) : h) << std::hex << h;
  }
}

TEST(ConvertRef, EveryBF16RoundTripsThroughF32) {
  for (uint32_t b = 0; b < 65536; ++b) {
    const uint16_t back = f32_to_bf16(bf16_to_f32(static_cast<uint16_t>(b)));
    const bool nan = ((b >> 7) & 0xff) == 0xff && (b & 0x7f);
    ASSERT_EQ(back, nan ? (b | 0x40) : b) << std::hex << b;
  }
}

}  // namespace
}  // namespace slimlm
