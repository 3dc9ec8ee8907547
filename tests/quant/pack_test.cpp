#include "slimlm/quant/pack.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "slimlm/core/convert.h"
#include "slimlm/core/error.h"
#include "slimlm/quant/codebook.h"

namespace slimlm::quant {
namespace {

TEST(PackCodes, MatchesCompressedTensorsPackToInt32) {
  // compressed-tensors' docstring: int8 values [1, 2] -> unsigned [129, 130]
  // -> 0x00008281 = 33409 (zero-padded to 4 codes).
  const std::vector<uint8_t> codes = {129, 130};
  std::vector<uint32_t> words(1);
  pack_codes(codes, 8, words);
  EXPECT_EQ(words[0], 33409u);

  // 4-bit: code j at bits 4j.
  const std::vector<uint8_t> c4 = {1, 2, 3, 4, 5, 6, 7, 8, 15};
  std::vector<uint32_t> w4(2);
  pack_codes(c4, 4, w4);
  EXPECT_EQ(w4[0], 0x87654321u);
  EXPECT_EQ(w4[1], 0xFu);

  // 3-bit: ten codes a word, bits 30-31 unused.
  std::vector<uint8_t> c3(11, 7);
  std::vector<uint32_t> w3(2);
  pack_codes(c3, 3, w3);
  EXPECT_EQ(w3[0], 0x3FFFFFFFu);
  EXPECT_EQ(w3[1], 7u);

  EXPECT_THROW(pack_codes(c3, 3, std::span(w3).first(1)), Error);
}

TEST(PackCodes, RoundTripsEveryWidth) {
  std::mt19937 rng(7);
  for (int bits : {2, 3, 4, 8}) {
    for (size_t n : {1u, 9u, 10u, 31u, 32u, 161u}) {
      std::vector<uint8_t> codes(n);
      for (auto& c : codes) c = static_cast<uint8_t>(rng() & ((1u << bits) - 1));
      const size_t per = static_cast<size_t>(32 / bits);
      std::vector<uint32_t> words((n + per - 1) / per);
      pack_codes(codes, bits, words);
      std::vector<uint8_t> back(n);
      unpack_codes(words, bits, back);
      EXPECT_EQ(back, codes) << bits << " bits, n=" << n;
    }
  }
}

UnpackedQuant random_unpacked(QuantFormat f, int64_t rows, int64_t cols, uint32_t seed,
                              bool with_perm = false) {
  const FormatTraits& t = format_traits(f);
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> scale(1e-3f, 0.1f);
  UnpackedQuant u;
  u.format = f;
  u.rows = rows;
  u.cols = cols;
  const int64_t groups = t.groups_per_row(cols);
  u.codes.resize(static_cast<size_t>(rows * cols));
  for (auto& c : u.codes) c = static_cast<uint8_t>(rng() % (t.max_code() + 1));
  u.scales.resize(static_cast<size_t>(rows * groups));
  for (auto& s : u.scales) {
    s = scale(rng);
    if (t.scale_dtype == DType::kF16) s = f16_to_f32(f32_to_f16(s));
  }
  if (!t.symmetric) {
    u.zeros.resize(u.scales.size());
    for (auto& z : u.zeros) z = static_cast<uint8_t>(rng() % (t.max_code() + 1));
  }
  if (with_perm) {
    u.perm.resize(static_cast<size_t>(cols));
    std::iota(u.perm.begin(), u.perm.end(), 0);
    std::shuffle(u.perm.begin(), u.perm.end(), rng);
  }
  return u;
}

TEST(Pack, RoundTripIsExactForEveryFormat) {
  for (const auto& t : all_formats()) {
    for (int64_t cols : {128, 384}) {
      const UnpackedQuant u = random_unpacked(t.id, 5, cols, 11, cols == 384);
      const QuantizedTensor q = pack(u);
      EXPECT_EQ(q.codes.shape(), (Shape{5, t.words_per_row(cols)})) << t.name;
      const UnpackedQuant back = unpack(q);
      EXPECT_EQ(back.codes, u.codes) << t.name;
      EXPECT_EQ(back.scales, u.scales) << t.name;
      EXPECT_EQ(back.zeros, u.zeros) << t.name;
      EXPECT_EQ(back.perm, u.perm) << t.name;
      const uint64_t groups = static_cast<uint64_t>(5 * t.groups_per_row(cols));
      const uint64_t want = 5ull * static_cast<uint64_t>(t.words_per_row(cols)) * 4 +
                            groups * dtype_traits(t.scale_dtype).block_bytes +
                            (t.symmetric ? 0 : groups) + (cols == 384 ? 384 * 4 : 0);
      EXPECT_EQ(q.nbytes(), want) << t.name << ": in memory a zero point is one byte";
    }
  }
}

TEST(Pack, DequantizeAppliesScaleZeroAndPermutation) {
  UnpackedQuant u;
  u.format = QuantFormat::kInt4Asym;
  u.rows = 1;
  u.cols = 32;
  u.codes.assign(32, 0);
  u.codes[0] = 15;
  u.codes[1] = 3;
  u.scales = {0.5f};
  u.zeros = {3};
  u.perm.resize(32);
  std::iota(u.perm.begin(), u.perm.end(), 0);
  std::swap(u.perm[0], u.perm[5]);  // stored column 0 holds input feature 5
  const Tensor w = dequantize(pack(u));
  const float* p = w.data<float>();
  EXPECT_FLOAT_EQ(p[5], 0.5f * (15 - 3));
  EXPECT_FLOAT_EQ(p[1], 0.0f);
  EXPECT_FLOAT_EQ(p[0], 0.5f * (0 - 3));

  UnpackedQuant n;
  n.format = QuantFormat::kNf4;
  n.rows = 1;
  n.cols = 64;
  n.codes.assign(64, 7);
  n.codes[63] = 0;
  n.codes[2] = 14;
  n.scales = {2.0f};
  const Tensor v = dequantize(pack(n));
  EXPECT_FLOAT_EQ(v.data<float>()[63], -2.0f);
  EXPECT_FLOAT_EQ(v.data<float>()[2], 2.0f * 0.7229568362236023f);
  EXPECT_FLOAT_EQ(v.data<float>()[10], 0.0f);
}

TEST(Pack, RejectsBadInput) {
  UnpackedQuant u = random_unpacked(QuantFormat::kInt3G32, 2, 64, 3);
  u.codes[5] = 8;
  EXPECT_THROW(pack(u), FormatError);

  u = random_unpacked(QuantFormat::kInt4G32, 2, 64, 3);
  u.scales[0] = 0.1f;  // not an f16 value
  EXPECT_THROW(pack(u), FormatError);

  u = random_unpacked(QuantFormat::kInt4G32, 2, 64, 3, true);
  u.perm[0] = u.perm[1];
  EXPECT_THROW(pack(u), FormatError);

  u = random_unpacked(QuantFormat::kInt4G64, 2, 64, 3);
  u.cols = 96;  // group 64 does not divide 96
  EXPECT_THROW(pack(u), ConfigError);
}

}  // namespace
}  // namespace slimlm::quant
