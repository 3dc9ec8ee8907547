#include "slimlm/model/rope.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "slimlm/core/error.h"
#include "slimlm/kernels/ref/reference_ops.h"

namespace slimlm::model {
namespace {

io::ModelConfig config(int64_t head_dim, double theta) {
  io::ModelConfig c;
  c.source = "test/config.json";
  c.head_dim = head_dim;
  c.rope_theta = theta;
  return c;
}

TEST(RopeInvFreq, DefaultIsThetaToTheMinusTwoIOverD) {
  const auto c = config(64, 10000.0);
  const auto inv = rope_inv_freq(c);
  ASSERT_EQ(inv.size(), 32u);
  EXPECT_EQ(inv[0], 1.0f);
  for (size_t i = 0; i < inv.size(); ++i) {
    const double want = std::pow(10000.0, -2.0 * double(i) / 64.0);
    EXPECT_NEAR(inv[i], want, 2.5e-7 * want) << i;  // f32 steps: within ~2 ulp
  }
}

TEST(RopeInvFreq, LinearDividesByFactor) {
  auto c = config(32, 1e6);
  const auto plain = rope_inv_freq(c);
  c.rope_scaling.type = io::RopeScalingType::kLinear;
  c.rope_scaling.factor = 4.0;
  const auto scaled = rope_inv_freq(c);
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_EQ(scaled[i], plain[i] / 4.0f);
}

// Llama 3.1's published rope parameters.
io::ModelConfig llama31() {
  auto c = config(128, 500000.0);
  c.rope_scaling.type = io::RopeScalingType::kLlama3;
  c.rope_scaling.type_name = "llama3";
  c.rope_scaling.factor = 8.0;
  c.rope_scaling.low_freq_factor = 1.0;
  c.rope_scaling.high_freq_factor = 4.0;
  c.rope_scaling.original_max_position_embeddings = 8192;
  return c;
}

TEST(RopeInvFreq, Llama3KeepsHighDividesLowAndSmoothsBetween) {
  const auto c = llama31();
  const auto inv = rope_inv_freq(c);
  const auto plain = rope_inv_freq(config(128, 500000.0));
  int high = 0, low = 0, medium = 0;
  for (size_t i = 0; i < inv.size(); ++i) {
    const double wavelen = 2 * std::numbers::pi / double(plain[i]);
    if (wavelen < 8192.0 / 4.0) {
      EXPECT_EQ(inv[i], plain[i]) << i;  // high frequency: untouched
      ++high;
    } else if (wavelen > 8192.0 / 1.0) {
      EXPECT_EQ(inv[i], plain[i] / 8.0f) << i;  // low frequency: / factor
      ++low;
    } else {
      const double smooth = (8192.0 / wavelen - 1.0) / (4.0 - 1.0);
      const double want = (1 - smooth) * plain[i] / 8.0 + smooth * plain[i];
      EXPECT_NEAR(inv[i], want, 1e-6 * want) << i;
      EXPECT_LT(inv[i], plain[i]);
      EXPECT_GT(inv[i], plain[i] / 8.0f);
      ++medium;
    }
  }
  // All three regimes occur for these parameters.
  EXPECT_GT(high, 0);
  EXPECT_GT(low, 0);
  EXPECT_GT(medium, 0);
  EXPECT_EQ(high + low + medium, 64);
}

TEST(RopeInvFreq, RejectsUnsupportedTypesNamingTheFile) {
  auto c = config(64, 10000.0);
  c.rope_scaling.type = io::RopeScalingType::kYarn;
  c.rope_scaling.type_name = "yarn";
  try {
    rope_inv_freq(c);
    FAIL() << "no exception";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("'yarn'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("test/config.json"), std::string::npos);
  }
  c.rope_scaling.type = io::RopeScalingType::kDynamic;
  EXPECT_THROW(rope_inv_freq(c), UnsupportedError);
  auto odd = config(7, 10000.0);
  EXPECT_THROW(rope_inv_freq(odd), UnsupportedError);
}

TEST(Rope, TablesUseTheF32AngleLikeTransformers) {
  const Rope rope(config(16, 10000.0));
  std::vector<float> cos(5 * 8), sin(5 * 8);
  rope.tables(1000, 5, cos.data(), sin.data());
  for (int64_t r = 0; r < 5; ++r) {
    for (int64_t i = 0; i < 8; ++i) {
      const float angle = float(1000 + r) * rope.inv_freq()[i];  // f32 product, then cos
      EXPECT_EQ(cos[r * 8 + i], static_cast<float>(std::cos(double(angle))));
      EXPECT_EQ(sin[r * 8 + i], static_cast<float>(std::sin(double(angle))));
    }
  }
}

TEST(Rope, ApplyMatchesReferenceRotation) {
  const int64_t D = 32, heads = 3, n = 20;
  const Rope rope(config(D, 10000.0));
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.f, 1.f);
  // Rows with a stride wider than the heads, as q inside a bigger buffer.
  const int64_t stride = heads * D + 5;
  std::vector<float> x(static_cast<size_t>(n * stride));
  for (auto& v : x) v = nd(rng);
  std::vector<float> packed(static_cast<size_t>(n * heads * D));
  for (int64_t r = 0; r < n; ++r) {
    std::copy_n(x.begin() + r * stride, heads * D, packed.begin() + r * heads * D);
  }
  std::vector<float> cos(n * D / 2), sin(n * D / 2);
  rope.tables(0, n, cos.data(), sin.data());
  std::vector<int32_t> rows(n), pos(n);
  for (int64_t r = 0; r < n; ++r) rows[r] = pos[r] = static_cast<int32_t>(r);
  const auto before = x;
  rope.apply(x.data(), n, stride, heads, cos.data(), sin.data(), rows.data());
  kernels::ref::rope(packed.data(), pos.data(), rope.inv_freq().data(), n, heads, D);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t j = 0; j < heads * D; ++j) {
      ASSERT_NEAR(x[r * stride + j], packed[r * heads * D + j], 2e-6) << r << "," << j;
    }
    for (int64_t j = heads * D; j < stride; ++j) EXPECT_EQ(x[r * stride + j], before[r * stride + j]);
  }
}

}  // namespace
}  // namespace slimlm::model
