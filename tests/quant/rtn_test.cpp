#include "slimlm/quant/rtn.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "slimlm/core/convert.h"
#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"
#include "slimlm/quant/codebook.h"
#include "slimlm/quant/pack.h"

namespace slimlm::quant {
namespace {

Tensor random_weights(int64_t rows, int64_t cols, uint32_t seed, bool heavy_tails = false) {
  Tensor w = Tensor::empty(DType::kF32, {rows, cols});
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::student_t_distribution<float> student(2.0f);
  float* p = w.mutable_data<float>();
  for (int64_t i = 0; i < rows * cols; ++i) p[i] = heavy_tails ? 0.01f * student(rng) : normal(rng);
  return w;
}

double relative_error(const Tensor& w, const QuantizedTensor& q) {
  const Tensor d = dequantize(q);
  double num = 0, den = 0;
  for (uint64_t i = 0; i < w.numel(); ++i) {
    const double e = d.data<float>()[i] - w.data<float>()[i];
    num += e * e;
    den += static_cast<double>(w.data<float>()[i]) * w.data<float>()[i];
  }
  return num / den;
}

TEST(Rtn, SymmetricGroupFollowsGptqQuantizer) {
  // max|w| = 7.5 -> scale 7.5 / 7.5 = 1, zero point 8: codes round(w) + 8,
  // with 7.5 itself clamped to 15 (the grid is -8..7).
  std::vector<float> w(32, 0.0f);
  w[0] = 7.5f;
  w[1] = -7.5f;
  w[2] = 2.4f;
  w[3] = -0.5f;  // half to even: round(-0.5) = -0
  w[4] = 1.5f;   // round(1.5) = 2
  const FormatTraits& t = format_traits(QuantFormat::kInt4G32);
  const GroupParams p = fit_group(t, w.data(), 32, {});
  EXPECT_FLOAT_EQ(p.scale, 1.0f);
  EXPECT_EQ(p.zero, 8);
  EXPECT_EQ(encode(t, w[0], p), 15);
  EXPECT_EQ(encode(t, w[1], p), 0);
  EXPECT_EQ(encode(t, w[2], p), 10);
  EXPECT_EQ(encode(t, w[3], p), 8);
  EXPECT_EQ(encode(t, w[4], p), 10);
}

TEST(Rtn, AsymmetricGroupIncludesZeroInTheRange) {
  std::vector<float> w(32, 1.0f);
  w[0] = 16.0f;  // range [0, 16] (min widened to 0): scale 16/15, zero 0
  const FormatTraits& t = format_traits(QuantFormat::kInt4G32Asym);
  GroupParams p = fit_group(t, w.data(), 32, {});
  EXPECT_FLOAT_EQ(p.scale, f16_to_f32(f32_to_f16(16.0f / 15.0f)));
  EXPECT_EQ(p.zero, 0);
  EXPECT_EQ(encode(t, 16.0f, p), 15);

  for (auto& v : w) v = -1.0f;
  w[0] = 2.0f;  // range [-1, 2]: scale 0.2, zero round(1 / 0.2) = 5
  p = fit_group(t, w.data(), 32, {});
  EXPECT_NEAR(p.scale, 0.2f, 1e-4f);
  EXPECT_EQ(p.zero, 5);
  EXPECT_EQ(encode(t, -1.0f, p), 0);
  EXPECT_EQ(encode(t, 2.0f, p), 15);
}

TEST(Rtn, Nf4UsesBlockAbsmaxAndNearestLevel) {
  std::vector<float> w(64, 0.0f);
  w[0] = -4.0f;
  w[1] = 4.0f * 0.5626170039176941f;
  w[2] = 4.0f * 0.5f * (0.44070982933044434f + 0.5626170039176941f) + 1e-4f;  // just above the midpoint
  const FormatTraits& t = format_traits(QuantFormat::kNf4);
  const GroupParams p = fit_group(t, w.data(), 64, {});
  EXPECT_FLOAT_EQ(p.scale, 4.0f);
  EXPECT_EQ(encode(t, w[0], p), 0);
  EXPECT_EQ(encode(t, w[1], p), 13);
  EXPECT_EQ(encode(t, w[2], p), 13);
  EXPECT_EQ(encode(t, w[3], p), 7);
  EXPECT_EQ(nearest_nf4(0.03f), 7);
  EXPECT_EQ(nearest_nf4(0.05f), 8);
}

TEST(Rtn, WeightsOnTheGridRoundTripExactly) {
  // w = s * (u - z) with s an f16 value and both extreme codes present: the
  // asymmetric range is exactly [-z s, (2^b - 1 - z) s], so RTN must return
  // the same s, z and codes, and dequantize to w bit for bit.
  for (QuantFormat f : {QuantFormat::kInt8Asym, QuantFormat::kInt4G32Asym,
                        QuantFormat::kInt3G64Asym, QuantFormat::kInt2G128Asym}) {
    const FormatTraits& t = format_traits(f);
    const int64_t rows = 3, cols = 128, gl = t.group_length(cols);
    Tensor w = Tensor::empty(DType::kF32, {rows, cols});
    std::mt19937 rng(5);
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t g = 0; g < cols / gl; ++g) {
        const float s = f16_to_f32(f32_to_f16(0.003f * static_cast<float>(r + 2 * g + 1)));
        const int z = 1 + static_cast<int>(rng() % static_cast<uint32_t>(t.max_code() - 1));
        for (int64_t i = 0; i < gl; ++i) {
          int u = static_cast<int>(rng() % static_cast<uint32_t>(t.max_code() + 1));
          if (i == 0) u = 0;
          if (i == 1) u = t.max_code();
          w.mutable_data<float>()[r * cols + g * gl + i] = s * static_cast<float>(u - z);
        }
      }
    }
    const Tensor d = dequantize(quantize_rtn(w, f));
    for (int64_t i = 0; i < rows * cols; ++i) {
      ASSERT_EQ(d.data<float>()[i], w.data<float>()[i]) << t.name << " at " << i;
    }
  }
}

TEST(Rtn, ErrorGrowsAsBitsShrink) {
  const Tensor w = random_weights(64, 256, 1);
  double prev = 0;
  for (QuantFormat f : {QuantFormat::kInt8, QuantFormat::kInt4G128, QuantFormat::kInt3G128,
                        QuantFormat::kInt2G128}) {
    QuantError err;
    const QuantizedTensor q = quantize_rtn(w, f, {}, "w", &err);
    const double rel = relative_error(w, q);
    EXPECT_NEAR(err.relative(), rel, 1e-6 * (1 + rel)) << to_string(f);
    EXPECT_GT(rel, prev) << to_string(f);
    prev = rel;
  }
  // Known magnitudes for Gaussian weights: int8 per channel ~1e-4, int4 g128 ~1e-2.
  EXPECT_LT(relative_error(w, quantize_rtn(w, QuantFormat::kInt8)), 2e-4);
  const double r4 = relative_error(w, quantize_rtn(w, QuantFormat::kInt4G128));
  EXPECT_GT(r4, 5e-3);
  EXPECT_LT(r4, 2e-2);
  // Smaller groups and zero points help.
  EXPECT_LT(relative_error(w, quantize_rtn(w, QuantFormat::kInt4G32)), r4);
  EXPECT_LT(relative_error(w, quantize_rtn(w, QuantFormat::kInt4G128Asym)), r4);
  // NF4 suits Gaussian weights better than uniform int4 at its block size.
  EXPECT_LT(relative_error(w, quantize_rtn(w, QuantFormat::kNf4)),
            relative_error(w, quantize_rtn(w, QuantFormat::kInt4G64)));
}

TEST(Rtn, ClipSearchNeverHurtsAndHelpsHeavyTails) {
  const Tensor w = random_weights(32, 256, 2, /*heavy_tails=*/true);
  RtnOptions clip;
  clip.clip.enabled = true;
  for (QuantFormat f : {QuantFormat::kInt4G128, QuantFormat::kInt3G64Asym, QuantFormat::kInt2G32,
                        QuantFormat::kNf4, QuantFormat::kInt8}) {
    const FormatTraits& t = format_traits(f);
    const int64_t gl = t.group_length(256);
    const float* p = w.data<float>();
    double plain = 0, searched = 0;
    for (int64_t g = 0; g < 32 * 256 / gl; ++g) {
      const double e0 = group_error(t, p + g * gl, gl, fit_group(t, p + g * gl, gl, {}));
      const double e1 = group_error(t, p + g * gl, gl, fit_group(t, p + g * gl, gl, clip.clip));
      ASSERT_LE(e1, e0 * (1 + 1e-12)) << t.name << " group " << g;
      plain += e0;
      searched += e1;
    }
    if (t.bits <= 4) {
      // NF4's levels already crowd the centre, so clipping gains less there.
      EXPECT_LT(searched, (t.codebook == Codebook::kNf4 ? 0.97 : 0.9) * plain) << t.name;
    }
    EXPECT_NEAR(relative_error(w, quantize_rtn(w, f, clip)) * [&] {
      double s = 0;
      for (uint64_t i = 0; i < w.numel(); ++i) s += static_cast<double>(p[i]) * p[i];
      return s;
    }(), searched, 1e-6 * searched) << t.name;
  }
}

TEST(Rtn, ImportanceShiftsErrorToUnimportantColumns) {
  const Tensor w = random_weights(16, 128, 3, true);
  std::vector<float> imp(128, 1.0f);
  for (int c = 0; c < 16; ++c) imp[static_cast<size_t>(c)] = 100.0f;
  RtnOptions plain, weighted;
  plain.clip.enabled = weighted.clip.enabled = true;
  weighted.importance = imp;
  const Tensor a = dequantize(quantize_rtn(w, QuantFormat::kInt3G128, plain));
  const Tensor b = dequantize(quantize_rtn(w, QuantFormat::kInt3G128, weighted));
  auto important_error = [&](const Tensor& d) {
    double e = 0;
    for (int64_t r = 0; r < 16; ++r) {
      for (int64_t c = 0; c < 16; ++c) {
        const double x = d.data<float>()[r * 128 + c] - w.data<float>()[r * 128 + c];
        e += x * x;
      }
    }
    return e;
  };
  EXPECT_LT(important_error(b), important_error(a));
}

TEST(Rtn, AcceptsHalfPrecisionAndIsThreadIndependent) {
  const Tensor w = random_weights(40, 128, 4);
  const Tensor h = w.to(DType::kBF16);
  set_num_threads(1);
  const UnpackedQuant one = unpack(quantize_rtn(h, QuantFormat::kInt4G32Asym));
  set_num_threads(0);
  const UnpackedQuant all = unpack(quantize_rtn(h, QuantFormat::kInt4G32Asym));
  EXPECT_EQ(one.codes, all.codes);
  EXPECT_EQ(one.scales, all.scales);
  EXPECT_EQ(one.zeros, all.zeros);
  const UnpackedQuant from_f32 = unpack(quantize_rtn(h.to(DType::kF32), QuantFormat::kInt4G32Asym));
  EXPECT_EQ(from_f32.codes, all.codes);
}

TEST(Rtn, RejectsBadInput) {
  Tensor w = random_weights(4, 96, 5);
  EXPECT_THROW(quantize_rtn(w, QuantFormat::kInt4G64), ConfigError);
  try {
    quantize_rtn(w, QuantFormat::kInt4G64, {}, "model.layers.3.self_attn.o_proj.weight");
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("model.layers.3.self_attn.o_proj.weight"));
  }
  w.mutable_data<float>()[7] = std::nanf("");
  EXPECT_THROW(quantize_rtn(w, QuantFormat::kInt4G32), FormatError);
  EXPECT_THROW(quantize_rtn(Tensor::zeros(DType::kI32, {4, 32}), QuantFormat::kInt8),
               UnsupportedError);
  const Tensor zero = Tensor::zeros(DType::kF32, {2, 64});
  const Tensor d = dequantize(quantize_rtn(zero, QuantFormat::kInt4G64Asym));
  for (uint64_t i = 0; i < d.numel(); ++i) EXPECT_EQ(d.data<float>()[i], 0.0f);
}

}  // namespace
}  // namespace slimlm::quant
