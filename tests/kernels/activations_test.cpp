#include "slimlm/kernels/cpu/activations.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "slimlm/kernels/ref/reference_ops.h"

namespace slimlm::kernels {
namespace {

bool has(Isa isa) {
  const auto& f = cpu_features();
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return f.avx2 && f.fma;
    case Isa::kAvx512: return f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
  }
  return false;
}

std::vector<float> random_vector(size_t n, uint32_t seed, float scale) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

class ActivationsIsaTest : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!has(GetParam())) GTEST_SKIP() << "CPU lacks " << to_string(GetParam());
  }
};

TEST_P(ActivationsIsaTest, ExpSumMatchesStdExpForAllTails) {
  for (int64_t n : {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 513}) {
    auto x = random_vector(static_cast<size_t>(n), 7, 10.f);
    const float shift = 3.5f;
    auto got = x;
    const float sum = exp_sum_f32(got.data(), n, shift, GetParam());
    double want_sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      // The kernel forms x - shift in f32, as torch does.
      const double want = std::exp(double(x[i] - shift));
      want_sum += want;
      // About 2 ulp; the scalar path is std::exp.
      ASSERT_NEAR(got[i], want, 3e-7 * want) << "n=" << n << " i=" << i << " x=" << x[i];
    }
    EXPECT_NEAR(sum, want_sum, 1e-6 * want_sum) << "n=" << n;
  }
}

TEST_P(ActivationsIsaTest, ExpSumEdgeValues) {
  // Far below the f32 range gives exactly 0; exp(0) is exactly 1.
  std::vector<float> x = {-1000.f, -88.f, 0.f, 88.f, -std::numeric_limits<float>::infinity()};
  const float sum = exp_sum_f32(x.data(), 5, 0.f, GetParam());
  EXPECT_EQ(x[0], 0.f);
  EXPECT_EQ(x[1], 0.f);
  EXPECT_EQ(x[2], 1.f);
  EXPECT_NEAR(x[3], std::exp(88.0), 3e-7 * std::exp(88.0));
  EXPECT_EQ(x[4], 0.f);
  EXPECT_TRUE(std::isfinite(sum));
}

TEST_P(ActivationsIsaTest, SiluMulMatchesReference) {
  for (int64_t n : {1, 5, 8, 16, 17, 100, 1536}) {
    auto g = random_vector(static_cast<size_t>(n), 1, 4.f);
    auto u = random_vector(static_cast<size_t>(n), 2, 1.f);
    g[0] = -100.f;  // exp overflow territory: silu -> -0
    std::vector<float> got(n), want(n);
    silu_mul_f32(g.data(), u.data(), got.data(), n, GetParam());
    ref::silu_mul(g.data(), u.data(), want.data(), n);
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(got[i], want[i], 4e-7 * std::fabs(want[i]) + 1e-30) << "n=" << n << " i=" << i;
    }
    // In place over gate, as the MLP uses it.
    silu_mul_f32(g.data(), u.data(), g.data(), n, GetParam());
    EXPECT_EQ(g, got);
  }
}

TEST_P(ActivationsIsaTest, SoftmaxMatchesReference) {
  for (int64_t n : {1, 2, 7, 8, 9, 16, 17, 64, 300}) {
    auto x = random_vector(static_cast<size_t>(n), 3, 5.f);
    auto want = x;
    ref::softmax(want.data(), 1, n);
    softmax_f32(x.data(), n, GetParam());
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      ASSERT_NEAR(x[i], want[i], 1e-6 * want[i] + 1e-12) << i;
      total += x[i];
    }
    EXPECT_NEAR(total, 1.0, 1e-6);
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, ActivationsIsaTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace slimlm::kernels
