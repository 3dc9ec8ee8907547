#include "slimlm/kernels/cpu/quant_matmul.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "slimlm/kernels/ref/quant_ref.h"
#include "slimlm/quant/pack.h"
#include "slimlm/quant/rtn.h"

namespace slimlm::kernels {
namespace {

using quant::QuantFormat;
using quant::QuantizedTensor;

bool has(Isa isa) {
  const auto& f = cpu_features();
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return f.avx2 && f.fma && f.f16c;
    case Isa::kAvx512: return f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
  }
  return false;
}

std::vector<float> random_vector(size_t n, uint32_t seed, float sd = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

QuantizedTensor random_quantized(QuantFormat f, int64_t N, int64_t K, uint32_t seed, bool perm) {
  Tensor w = Tensor::empty(DType::kF32, {N, K});
  const auto v = random_vector(static_cast<size_t>(N * K), seed, 0.05f);
  std::copy(v.begin(), v.end(), w.mutable_data<float>());
  QuantizedTensor q = quant::quantize_rtn(w, f);
  if (perm) {
    quant::UnpackedQuant u = quant::unpack(q);
    u.perm.resize(static_cast<size_t>(K));
    std::iota(u.perm.begin(), u.perm.end(), 0);
    std::shuffle(u.perm.begin(), u.perm.end(), std::mt19937(seed));
    q = quant::pack(u);
  }
  return q;
}

// Bound on f32 rounding: the kernels sum scale·code·x terms (codes unsigned,
// the zero point subtracted per group), so the error scales with Σ|terms|.
std::vector<double> magnitudes(const QuantizedTensor& q, const std::vector<float>& x, int64_t M) {
  const quant::UnpackedQuant u = quant::unpack(q);
  const auto& t = q.traits();
  const int64_t N = q.rows, K = q.cols, G = q.group_length();
  std::vector<double> mag(static_cast<size_t>(M * N));
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      double a = 0;
      for (int64_t k = 0; k < K; ++k) {
        const int64_t g = k / G;
        const double s = std::fabs(quant::group_scale(q, n, g));
        const double level = t.codebook == quant::Codebook::kNf4
                                 ? 1.0
                                 : u.codes[static_cast<size_t>(n * K + k)] + quant::group_zero(q, n, g);
        a += s * level * std::fabs(x[static_cast<size_t>(m * K + k)]);
      }
      mag[static_cast<size_t>(m * N + n)] = a;
    }
  }
  return mag;
}

struct Case {
  QuantFormat format;
  Isa isa;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << quant::to_string(c.format) << "/" << to_string(c.isa);
}

class QuantMatmulTest : public ::testing::TestWithParam<Case> {};

TEST_P(QuantMatmulTest, MatchesReferenceForAllShapesAndPaths) {
  const auto [format, isa] = GetParam();
  if (!has(isa)) GTEST_SKIP() << "CPU lacks " << to_string(isa);
  const auto& t = quant::format_traits(format);
  uint32_t seed = 1;
  for (int64_t K : {32, 64, 96, 128, 160, 192, 352, 512}) {
    if (t.group_size > 0 && K % t.group_size != 0) continue;
    for (int64_t N : {1, 5, 17, 64}) {
      for (bool perm : {false, true}) {
        if (perm && N != 17) continue;
        const QuantizedTensor q = random_quantized(format, N, K, ++seed, perm);
        for (int64_t M : {1, 2, 3, 4, 5, 9}) {
          const auto x = random_vector(static_cast<size_t>(M * K), ++seed);
          std::vector<float> want(static_cast<size_t>(M * N));
          ref::quant_matmul(q, x.data(), want.data(), M);
          const auto mag = magnitudes(q, x, M);
          for (QuantPath path : {QuantPath::kFused, QuantPath::kDequantGemm}) {
            std::vector<float> got(static_cast<size_t>(M * N), std::nanf(""));
            quant_matmul(q, x.data(), got.data(), M, isa, path);
            for (size_t i = 0; i < got.size(); ++i) {
              const double tol = 2e-7 * (4.0 + std::sqrt(static_cast<double>(K))) * mag[i] + 1e-6;
              ASSERT_NEAR(got[i], want[i], tol)
                  << t.name << " " << to_string(isa) << " K=" << K << " N=" << N << " M=" << M
                  << " perm=" << perm << " path=" << (path == QuantPath::kFused ? "fused" : "gemm")
                  << " at " << i;
            }
          }
        }
      }
    }
  }
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  for (const auto& t : quant::all_formats()) {
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) cases.push_back({t.id, isa});
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AllFormatsAllIsas, QuantMatmulTest, ::testing::ValuesIn(all_cases()),
                         [](const auto& info) {
                           return std::string(quant::to_string(info.param.format)) + "_" +
                                  std::string(to_string(info.param.isa));
                         });

TEST(QuantMatmul, LargeProductIsThreadedAndMatches) {
  const int64_t N = 1000, K = 1024;
  const QuantizedTensor q = random_quantized(QuantFormat::kInt4G128, N, K, 99, false);
  for (int64_t M : {1, 64}) {
    const auto x = random_vector(static_cast<size_t>(M * K), 100);
    std::vector<float> got(static_cast<size_t>(M * N)), want(got.size());
    quant_matmul(q, x.data(), got.data(), M);
    ref::quant_matmul(q, x.data(), want.data(), M);
    const auto mag = magnitudes(q, x, M);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5 * mag[i] + 1e-6) << i;
  }
}

}  // namespace
}  // namespace slimlm::kernels
