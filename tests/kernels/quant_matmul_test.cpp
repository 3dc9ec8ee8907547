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

// The int8-dot kernels round activations to int8 per 32 columns (scale
// max|x| / 127, as llama.cpp's Q8_0); on those rounded activations they must
// agree with the reference up to f32 rounding (and, for NF4, the int8
// rounding of the table: at most half a step of 1/127 of the block scale).
std::vector<float> q8_rounded(const std::vector<float>& x, int64_t K) {
  std::vector<float> out(x.size());
  for (size_t b = 0; b < x.size(); b += 32) {
    float amax = 0.0f;
    for (size_t i = b; i < b + 32; ++i) amax = std::max(amax, std::fabs(x[i]));
    const float d = amax / 127.0f, id = d > 0 ? 1.0f / d : 0.0f;
    for (size_t i = b; i < b + 32; ++i) out[i] = d * std::nearbyint(x[i] * id);
  }
  return out;
}

class QuantInt8DotTest : public ::testing::TestWithParam<QuantFormat> {};

TEST_P(QuantInt8DotTest, MatchesReferenceOnInt8RoundedActivations) {
  const QuantFormat format = GetParam();
  const auto& t = quant::format_traits(format);
  if (!quant_int8_dot_available(random_quantized(format, 1, 128, 1, false), Isa::kAvx512)) {
    GTEST_SKIP() << "no AVX-512 VNNI kernel for " << t.name << " on this CPU";
  }
  uint32_t seed = 7;
  for (int64_t K : {32, 64, 96, 128, 192, 288, 384, 512, 704}) {
    if (t.group_size > 0 && K % t.group_size != 0) continue;
    for (int64_t N : {1, 6, 33}) {
      for (bool perm : {false, true}) {
        if (perm && N != 6) continue;
        const QuantizedTensor q = random_quantized(format, N, K, ++seed, perm);
        for (int64_t M : {1, 2, 3, 4, 5, 9}) {
          const auto x = random_vector(static_cast<size_t>(M * K), ++seed);
          // Rounded in storage order: the kernels quantize x after the permutation.
          std::vector<float> xr(x.size());
          if (perm) {
            const int32_t* p = q.perm.data<int32_t>();
            std::vector<float> stored(x.size());
            for (int64_t m = 0; m < M; ++m) {
              for (int64_t i = 0; i < K; ++i) stored[static_cast<size_t>(m * K + i)] = x[static_cast<size_t>(m * K + p[i])];
            }
            const auto rounded = q8_rounded(stored, K);
            for (int64_t m = 0; m < M; ++m) {
              for (int64_t i = 0; i < K; ++i) xr[static_cast<size_t>(m * K + p[i])] = rounded[static_cast<size_t>(m * K + i)];
            }
          } else {
            xr = q8_rounded(x, K);
          }
          std::vector<float> want(static_cast<size_t>(M * N)), got(want.size(), std::nanf(""));
          ref::quant_matmul(q, xr.data(), want.data(), M);
          quant_matmul(q, x.data(), got.data(), M, Isa::kAvx512, QuantPath::kInt8Dot);
          const auto mag = magnitudes(q, xr, M);
          for (size_t i = 0; i < got.size(); ++i) {
            double tol = 1e-6 * mag[i] + 1e-6;
            if (t.codebook == quant::Codebook::kNf4) tol += mag[i] * 0.5 / 127.0;
            ASSERT_NEAR(got[i], want[i], tol) << t.name << " K=" << K << " N=" << N << " M=" << M
                                              << " perm=" << perm << " at " << i;
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, QuantInt8DotTest,
                         ::testing::Values(QuantFormat::kInt8, QuantFormat::kInt8Asym,
                                           QuantFormat::kInt4G32, QuantFormat::kInt4G64Asym,
                                           QuantFormat::kInt4G128, QuantFormat::kInt4,
                                           QuantFormat::kInt4Asym, QuantFormat::kNf4,
                                           QuantFormat::kInt2G32, QuantFormat::kInt2G64Asym,
                                           QuantFormat::kInt2G128, QuantFormat::kInt2Asym),
                         [](const auto& info) { return std::string(quant::to_string(info.param)); });

TEST(QuantMatmul, LargeProductIsThreadedAndMatches) {
  const int64_t N = 1000, K = 1024;
  const QuantizedTensor q = random_quantized(QuantFormat::kInt4G128, N, K, 99, false);
  for (int64_t M : {1, 64}) {
    const auto x = random_vector(static_cast<size_t>(M * K), 100);
    std::vector<float> got(static_cast<size_t>(M * N)), want(got.size());
    quant_matmul(q, x.data(), got.data(), M, best_isa(), QuantPath::kFused);
    ref::quant_matmul(q, x.data(), want.data(), M);
    const auto mag = magnitudes(q, x, M);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 1e-5 * mag[i] + 1e-6) << i;
  }
}

}  // namespace
}  // namespace slimlm::kernels
