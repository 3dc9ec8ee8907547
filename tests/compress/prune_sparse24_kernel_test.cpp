// 2:4 sparse layout and kernels (kernels/cpu/sparse24.h): pack / unpack
// round trips, every ISA and path against the dense reference product on
// random shapes and tails.
#include "slimlm/kernels/cpu/sparse24.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "slimlm/core/error.h"
#include "slimlm/kernels/ref/reference_ops.h"

namespace slimlm::kernels {
namespace {

// A random [rows, cols] matrix with exactly `keep` non-zeros (1 or 2) in
// every group of 4 at random positions.
std::vector<float> random_24(int64_t rows, int64_t cols, uint32_t seed, int keep = 2) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> w(static_cast<size_t>(rows * cols), 0.0f);
  for (int64_t g = 0; g < rows * cols / 4; ++g) {
    int p[4] = {0, 1, 2, 3};
    std::shuffle(p, p + 4, rng);
    for (int i = 0; i < keep; ++i) {
      float v = d(rng);
      if (v == 0.0f) v = 1.0f;
      w[static_cast<size_t>(4 * g + p[i])] = v;
    }
  }
  return w;
}

struct Packed {
  std::vector<float> values;
  std::vector<uint8_t> indices;
  Sparse24View view;
};

Packed pack(const std::vector<float>& dense, int64_t rows, int64_t cols) {
  Packed p;
  p.values.resize(static_cast<size_t>(rows * cols / 2));
  p.indices.resize(static_cast<size_t>(rows * sparse24_index_bytes(cols)));
  sparse24_pack(dense.data(), rows, cols, p.values.data(), p.indices.data());
  p.view = {p.values.data(), p.indices.data(), rows, cols};
  return p;
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

TEST(Sparse24Layout, PackUnpackRoundTripsExactly) {
  for (int keep : {1, 2}) {
    for (int64_t cols : {4, 8, 12, 36, 100}) {
      const auto dense = random_24(5, cols, 7 + static_cast<uint32_t>(cols), keep);
      const Packed p = pack(dense, 5, cols);
      std::vector<float> back(dense.size(), -1.0f);
      sparse24_unpack(p.view, 0, 5, back.data());
      EXPECT_EQ(back, dense) << "cols " << cols << " keep " << keep;
      EXPECT_NO_THROW(sparse24_validate(p.view));
    }
  }
}

TEST(Sparse24Layout, NibblesHoldPositionsInOrder) {
  // Row: group 0 keeps columns 1 and 3, group 1 keeps 0 and 2.
  const std::vector<float> dense = {0, 5, 0, 6, 7, 0, 8, 0};
  const Packed p = pack(dense, 1, 8);
  EXPECT_EQ(p.values, (std::vector<float>{5, 6, 7, 8}));
  ASSERT_EQ(p.indices.size(), 1u);
  EXPECT_EQ(p.indices[0], (1 | 3 << 2) | (0 | 2 << 2) << 4);
  // A group with a single non-zero keeps a zero beside it, still increasing.
  const Packed q = pack({0, 0, 0, 9}, 1, 4);
  EXPECT_EQ(q.values, (std::vector<float>{0, 9}));
  EXPECT_EQ(q.indices[0], 0 | 3 << 2);
}

TEST(Sparse24Layout, RejectsDenseGroupsAndBadShapes) {
  const std::vector<float> dense = {1, 2, 3, 0, 0, 0, 0, 0};
  int64_t bad = -1;
  EXPECT_FALSE(sparse24_fits(dense.data(), 1, 8, &bad));
  EXPECT_EQ(bad, 0);
  std::vector<float> v(4);
  std::vector<uint8_t> i(1);
  EXPECT_THROW(sparse24_pack(dense.data(), 1, 8, v.data(), i.data()), FormatError);
  EXPECT_THROW(sparse24_pack(dense.data(), 1, 6, v.data(), i.data()), ConfigError);
  uint8_t corrupt = 2 | 1 << 2;  // positions 2 then 1
  float vals[2] = {1, 2};
  EXPECT_THROW(sparse24_validate({vals, &corrupt, 1, 4}), FormatError);
}

struct Case {
  Isa isa;
  Sparse24Path path;
};

class Sparse24MatmulTest : public ::testing::TestWithParam<Case> {};

TEST_P(Sparse24MatmulTest, MatchesDenseReference) {
  const auto [isa, path] = GetParam();
  if (!has(isa)) GTEST_SKIP() << "CPU lacks " << to_string(isa);
  for (int64_t N : {1, 5, 64, 67}) {
    for (int64_t K : {4, 12, 28, 32, 36, 64, 100, 132, 260}) {
      for (int64_t M : {1, 2, 3, 4, 5, 9, 33, 70}) {
        if (path == Sparse24Path::kRows && M > 8) continue;
        const auto dense = random_24(N, K, static_cast<uint32_t>(N * 1000 + K));
        const Packed p = pack(dense, N, K);
        std::mt19937 rng(static_cast<uint32_t>(M));
        std::normal_distribution<float> d(0.f, 1.f);
        std::vector<float> x(static_cast<size_t>(M * K));
        for (auto& e : x) e = d(rng);
        std::vector<float> got(static_cast<size_t>(M * N), -7.0f), want(got.size());
        sparse24_matmul(p.view, x.data(), got.data(), M, isa, path);
        ref::matmul(x.data(), dense.data(), want.data(), M, N, K);
        SCOPED_TRACE(::testing::Message() << "M=" << M << " N=" << N << " K=" << K);
        const float tol = 2e-5f * std::sqrt(static_cast<float>(K));
        for (size_t i = 0; i < got.size(); ++i) {
          ASSERT_NEAR(got[i], want[i], tol * (1.f + std::fabs(want[i]))) << "at " << i;
        }
      }
    }
  }
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  const char* p = info.param.path == Sparse24Path::kRows         ? "rows"
                  : info.param.path == Sparse24Path::kSparseGemm ? "sparse_gemm"
                  : info.param.path == Sparse24Path::kAuto       ? "auto"
                                                                 : "decompress_gemm";
  return std::string(to_string(info.param.isa)) + "_" + p;
}

INSTANTIATE_TEST_SUITE_P(
    AllIsasAndPaths, Sparse24MatmulTest,
    ::testing::Values(Case{Isa::kScalar, Sparse24Path::kRows}, Case{Isa::kScalar, Sparse24Path::kSparseGemm},
                      Case{Isa::kScalar, Sparse24Path::kDecompressGemm},
                      Case{Isa::kAvx2, Sparse24Path::kRows}, Case{Isa::kAvx2, Sparse24Path::kSparseGemm},
                      Case{Isa::kAvx512, Sparse24Path::kRows},
                      Case{Isa::kAvx512, Sparse24Path::kSparseGemm},
                      Case{Isa::kAvx512, Sparse24Path::kAuto}),
    case_name);

}  // namespace
}  // namespace slimlm::kernels
