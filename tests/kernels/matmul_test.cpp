#include "slimlm/kernels/cpu/matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "slimlm/kernels/ref/reference_ops.h"

namespace slimlm::kernels {
namespace {

std::vector<float> random_vector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// f32 dot products of length K differ from the f64 reference by rounding only.
void expect_close(const std::vector<float>& got, const std::vector<float>& want, int64_t K) {
  ASSERT_EQ(got.size(), want.size());
  const float tol = 1e-5f * std::sqrt(static_cast<float>(K)) * 4.f;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_NEAR(got[i], want[i], tol * (1.f + std::fabs(want[i]))) << "at " << i;
  }
}

bool has(Isa isa) {
  const auto& f = cpu_features();
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return f.avx2 && f.fma;
    case Isa::kAvx512: return f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
  }
  return false;
}

class GemvIsaTest : public ::testing::TestWithParam<Isa> {};

TEST_P(GemvIsaTest, MatchesReferenceForAllTails) {
  if (!has(GetParam())) GTEST_SKIP() << "CPU lacks " << to_string(GetParam());
  for (int64_t N : {1, 3, 4, 5, 17, 64}) {
    for (int64_t K : {1, 7, 8, 15, 16, 17, 31, 33, 100, 257}) {
      auto w = random_vector(static_cast<size_t>(N * K), 1);
      auto x = random_vector(static_cast<size_t>(K), 2);
      std::vector<float> got(N), want(N);
      gemv_f32(w.data(), x.data(), got.data(), N, K, GetParam());
      ref::gemv(w.data(), x.data(), want.data(), N, K);
      SCOPED_TRACE("N=" + std::to_string(N) + " K=" + std::to_string(K));
      expect_close(got, want, K);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllIsas, GemvIsaTest,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Matmul, SgemmMatchesReference) {
  for (auto [M, N, K] : {std::tuple<int64_t, int64_t, int64_t>{1, 33, 65}, {2, 5, 7}, {17, 64, 96},
                         {64, 130, 257}}) {
    auto x = random_vector(static_cast<size_t>(M * K), 3);
    auto w = random_vector(static_cast<size_t>(N * K), 4);
    std::vector<float> got(M * N), want(M * N);
    matmul_f32(x.data(), w.data(), got.data(), M, N, K);
    ref::matmul(x.data(), w.data(), want.data(), M, N, K);
    SCOPED_TRACE("M=" + std::to_string(M));
    expect_close(got, want, K);
  }
}

TEST(Matmul, LargeGemvIsThreadedAndExact) {
  const int64_t N = 1000, K = 512;
  auto w = random_vector(static_cast<size_t>(N * K), 5);
  auto x = random_vector(static_cast<size_t>(K), 6);
  std::vector<float> got(N), want(N);
  gemv_f32(w.data(), x.data(), got.data(), N, K);
  ref::gemv(w.data(), x.data(), want.data(), N, K);
  expect_close(got, want, K);
}

}  // namespace
}  // namespace slimlm::kernels

namespace slimlm::kernels {
namespace {

TEST(Matmul, SplitOverThreadsForEveryShapeClass) {
  // Wide (split by columns), tall and narrow (split by rows), and tiny.
  for (auto [M, N, K] : {std::tuple<int64_t, int64_t, int64_t>{512, 640, 33}, {300, 8, 40},
                         {130, 127, 64}, {3, 3, 3}}) {
    auto x = random_vector(static_cast<size_t>(M * K), 9);
    auto w = random_vector(static_cast<size_t>(N * K), 10);
    std::vector<float> got(M * N, -7.f), want(M * N);
    matmul_f32(x.data(), w.data(), got.data(), M, N, K);
    ref::matmul(x.data(), w.data(), want.data(), M, N, K);
    SCOPED_TRACE("M=" + std::to_string(M) + " N=" + std::to_string(N));
    expect_close(got, want, K);
  }
}

TEST(Matmul, SgemmSerialHonoursTransposesStridesAndBeta) {
  const int64_t M = 5, N = 6, K = 7, lda = 9, ldb = 11, ldc = 8;
  auto a = random_vector(static_cast<size_t>(K * lda), 11);  // stored K x M (trans_a)
  auto b = random_vector(static_cast<size_t>(K * ldb), 12);  // stored K x N (no trans)
  std::vector<float> c(static_cast<size_t>(M * ldc), 1.f);
  sgemm_serial(true, false, M, N, K, 0.5f, a.data(), lda, b.data(), ldb, 2.f, c.data(), ldc);
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      double acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += double(a[k * lda + m]) * b[k * ldb + n];
      EXPECT_NEAR(c[m * ldc + n], 0.5 * acc + 2.0, 1e-5) << m << "," << n;
    }
    EXPECT_EQ(c[m * ldc + N], 1.f);  // past N untouched
  }
}

}  // namespace
}  // namespace slimlm::kernels
