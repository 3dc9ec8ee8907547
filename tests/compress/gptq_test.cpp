// GPTQ on synthetic layers whose input Hessian is ill-conditioned (strongly
// correlated inputs, a few outlier channels): its output error must beat
// round-to-nearest, act-order must not lose to the plain order, and the
// machinery (damping retries, dead columns, groups, act-order storage) must
// behave as the reference's.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "slimlm/compress/gptq.h"
#include "slimlm/compress/hessian_inverse.h"
#include "slimlm/core/error.h"
#include "slimlm/quant/compressed_tensors.h"
#include "slimlm/quant/pack.h"
#include "slimlm/quant/rtn.h"

namespace slimlm::compress {
namespace {

using quant::QuantFormat;

struct Layer {
  int64_t rows, cols;
  Tensor w;                 // f32 [rows, cols]
  std::vector<double> h;    // Σ x xᵀ
};

// Inputs x = z A with singular values of A spread over four decades and
// `outliers` channels scaled by 40 (LLM activations have a few such
// channels); weights Gaussian.
Layer make_layer(int64_t rows, int64_t cols, int outliers, uint32_t seed) {
  std::mt19937 g(seed);
  std::normal_distribution<double> n01(0.0, 1.0);
  const int64_t n = 4 * cols;
  std::vector<double> a(static_cast<size_t>(cols * cols));
  for (int64_t i = 0; i < cols; ++i) {
    const double sv = std::pow(10.0, -4.0 * static_cast<double>(i) / cols);
    for (int64_t j = 0; j < cols; ++j) a[static_cast<size_t>(i * cols + j)] = sv * n01(g);
  }
  std::vector<double> x(static_cast<size_t>(n * cols), 0.0);
  for (int64_t r = 0; r < n; ++r) {
    std::vector<double> z(static_cast<size_t>(cols));
    for (auto& v : z) v = n01(g);
    for (int64_t i = 0; i < cols; ++i) {
      for (int64_t j = 0; j < cols; ++j) x[static_cast<size_t>(r * cols + j)] += z[static_cast<size_t>(i)] * a[static_cast<size_t>(i * cols + j)];
    }
  }
  std::uniform_int_distribution<int64_t> pick(0, cols - 1);
  for (int k = 0; k < outliers; ++k) {
    const int64_t c = pick(g);
    for (int64_t r = 0; r < n; ++r) x[static_cast<size_t>(r * cols + c)] *= 40.0;
  }
  Layer l{rows, cols, Tensor::empty(DType::kF32, {rows, cols}), std::vector<double>(static_cast<size_t>(cols * cols), 0.0)};
  for (int64_t r = 0; r < n; ++r) {
    const double* xr = x.data() + r * cols;
    for (int64_t i = 0; i < cols; ++i) {
      for (int64_t j = 0; j < cols; ++j) l.h[static_cast<size_t>(i * cols + j)] += xr[i] * xr[j];
    }
  }
  for (uint64_t i = 0; i < l.w.numel(); ++i) l.w.mutable_data<float>()[i] = static_cast<float>(0.05 * n01(g));
  return l;
}

// tr(ΔW H ΔWᵀ): the summed squared output error over the inputs.
double output_error(const Layer& l, const Tensor& wq) {
  double e = 0;
  std::vector<double> d(static_cast<size_t>(l.cols));
  for (int64_t r = 0; r < l.rows; ++r) {
    for (int64_t c = 0; c < l.cols; ++c) d[static_cast<size_t>(c)] = static_cast<double>(wq.data<float>()[r * l.cols + c]) - l.w.data<float>()[r * l.cols + c];
    for (int64_t i = 0; i < l.cols; ++i) {
      double s = 0;
      for (int64_t j = 0; j < l.cols; ++j) s += l.h[static_cast<size_t>(i * l.cols + j)] * d[static_cast<size_t>(j)];
      e += d[static_cast<size_t>(i)] * s;
    }
  }
  return e;
}

GptqResult run_gptq(const Layer& l, QuantFormat f, GptqOptions o) {
  HessianInverseOptions ho;
  ho.damp = o.damp;
  ho.act_order = o.act_order;
  return gptq_quantize(l.w, hessian_inverse(l.h, l.cols, ho, "test"), f, o, "test");
}

double rtn_error(const Layer& l, QuantFormat f) {
  return output_error(l, quant::dequantize(quant::quantize_rtn(l.w, f)));
}

TEST(Gptq, BeatsRoundToNearestOnAnIllConditionedHessian) {
  const Layer l = make_layer(64, 256, 0, 1);
  for (QuantFormat f : {QuantFormat::kInt4G128, QuantFormat::kInt3G64Asym, QuantFormat::kInt4, QuantFormat::kInt2G32}) {
    const GptqResult g = run_gptq(l, f, {});
    const double eg = output_error(l, g.dequantized), er = rtn_error(l, f);
    std::printf("%-14s RTN %.4g  GPTQ %.4g  (%.2fx)\n", std::string(quant::to_string(f)).c_str(), er, eg, er / eg);
    EXPECT_LT(eg, 0.7 * er) << quant::to_string(f);
    // The stored codes decode to exactly what GPTQ fed forward.
    const Tensor back = quant::dequantize(g.quantized);
    ASSERT_EQ(0, std::memcmp(back.raw_data(), g.dequantized.raw_data(), back.nbytes()));
  }
}

TEST(Gptq, ActOrderDoesNotLoseOnOutlierColumns) {
  int wins = 0;
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    const Layer l = make_layer(64, 256, 6, seed);
    for (QuantFormat f : {QuantFormat::kInt3G128, QuantFormat::kInt4}) {
      GptqOptions plain, act;
      act.act_order = true;
      const double ep = output_error(l, run_gptq(l, f, plain).dequantized);
      const double ea = output_error(l, run_gptq(l, f, act).dequantized);
      std::printf("seed %u %-10s plain %.4g  act-order %.4g\n", seed, std::string(quant::to_string(f)).c_str(), ep, ea);
      EXPECT_LE(ea, ep * 1.02);
      wins += ea < ep;
    }
  }
  EXPECT_GE(wins, 4);
}

TEST(Gptq, EqualsRoundToNearestWhenInputsAreUncorrelated) {
  // H = I: the inverse factor is diagonal, so no error is propagated and
  // every code is RTN's.
  Layer l = make_layer(8, 128, 0, 2);
  std::fill(l.h.begin(), l.h.end(), 0.0);
  for (int64_t i = 0; i < l.cols; ++i) l.h[static_cast<size_t>(i * l.cols + i)] = 1.0;
  for (QuantFormat f : {QuantFormat::kInt4G32, QuantFormat::kInt3G128Asym, QuantFormat::kInt8}) {
    const quant::UnpackedQuant g = quant::unpack(run_gptq(l, f, {}).quantized);
    const quant::UnpackedQuant r = quant::unpack(quant::quantize_rtn(l.w, f));
    EXPECT_EQ(g.codes, r.codes) << quant::to_string(f);
    EXPECT_EQ(g.scales, r.scales) << quant::to_string(f);
    EXPECT_EQ(g.zeros, r.zeros) << quant::to_string(f);
  }
}

TEST(Gptq, ActOrderStoresThePermutationAndStaticGroupsDoNot) {
  const Layer l = make_layer(16, 256, 3, 4);
  GptqOptions act;
  act.act_order = true;
  const GptqResult a = run_gptq(l, QuantFormat::kInt4G64Asym, act);
  ASSERT_TRUE(a.quantized.has_perm());
  // Round trip through compressed-tensors (weight_g_idx).
  const io::NamedTensors disk = quant::to_disk("m", a.quantized);
  bool has_g_idx = false;
  for (const auto& [n, t] : disk) has_g_idx = has_g_idx || n == "m.weight_g_idx";
  EXPECT_TRUE(has_g_idx);
  const quant::QuantizedTensor back = quant::from_disk(
      "m", QuantFormat::kInt4G64Asym,
      [&](const std::string& name) -> std::optional<Tensor> {
        for (const auto& [n, t] : disk) {
          if (n == name) return t;
        }
        return std::nullopt;
      },
      "disk");
  const Tensor deq = quant::dequantize(back);
  EXPECT_EQ(0, std::memcmp(deq.raw_data(), a.dequantized.raw_data(), deq.nbytes()));

  GptqOptions stat = act;
  stat.static_groups = true;
  const GptqResult s = run_gptq(l, QuantFormat::kInt4G64Asym, stat);
  EXPECT_FALSE(s.quantized.has_perm());
  EXPECT_LT(output_error(l, s.dequantized), rtn_error(l, QuantFormat::kInt4G64Asym));
}

TEST(HessianInverse, IsTheUpperFactorOfTheDampedInverse) {
  const Layer l = make_layer(4, 64, 2, 5);
  HessianInverseOptions o;
  o.damp = 0.01;
  o.act_order = true;
  const HessianInverse hi = hessian_inverse(l.h, l.cols, o, "t");
  const int64_t n = l.cols;
  double mean = 0;
  for (int64_t i = 0; i < n; ++i) mean += l.h[static_cast<size_t>(i * n + i)];
  mean /= n;
  // (P H Pᵀ + λI) Uᵀ U = I.
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double s = 0;
      for (int64_t k = 0; k < n; ++k) {
        double inv = 0;  // (Uᵀ U)[k, j]
        for (int64_t m = 0; m <= std::min(k, j); ++m) inv += static_cast<double>(hi.at(m, k)) * hi.at(m, j);
        const double hk = l.h[static_cast<size_t>(hi.perm[static_cast<size_t>(i)] * n + hi.perm[static_cast<size_t>(k)])] +
                          (i == k ? 0.01 * mean : 0.0);
        s += hk * inv;
      }
      ASSERT_NEAR(s, i == j ? 1.0 : 0.0, 2e-3) << i << "," << j;
    }
  }
  for (int64_t i = 1; i < n; ++i) {
    EXPECT_GE(l.h[static_cast<size_t>(hi.perm[static_cast<size_t>(i - 1)] * (n + 1))],
              l.h[static_cast<size_t>(hi.perm[static_cast<size_t>(i)] * (n + 1))]);
  }
}

TEST(HessianInverse, DampingIsRaisedUntilTheFactorExists) {
  // Rank 1 without dead columns: singular without damping.
  const int64_t n = 32;
  std::vector<double> h(static_cast<size_t>(n * n));
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < n; ++j) h[static_cast<size_t>(i * n + j)] = (i + 1.0) * (j + 1.0);
  }
  HessianInverseOptions o;
  o.damp = 0.0;
  const HessianInverse hi = hessian_inverse(h, n, o, "t");
  EXPECT_GT(hi.retries, 0);
  o.damp = 1e-12;
  EXPECT_GE(hessian_inverse(h, n, o, "t").damp_used, 1e-12);
  std::vector<double> bad = h;
  bad[0] = std::nan("");
  EXPECT_THROW(hessian_inverse(bad, n, o, "t"), Error);
}

TEST(Gptq, DeadColumnsAreZeroed) {
  Layer l = make_layer(8, 128, 0, 6);
  for (int64_t c : {5, 77}) {
    for (int64_t j = 0; j < l.cols; ++j) {
      l.h[static_cast<size_t>(c * l.cols + j)] = 0;
      l.h[static_cast<size_t>(j * l.cols + c)] = 0;
    }
  }
  HessianInverseOptions ho;
  const HessianInverse hi = hessian_inverse(l.h, l.cols, ho, "t");
  EXPECT_EQ(hi.dead_count(), 2);
  const GptqResult g = gptq_quantize(l.w, hi, QuantFormat::kInt4G32Asym, {}, "t");
  for (int64_t r = 0; r < l.rows; ++r) {
    EXPECT_EQ(g.dequantized.data<float>()[r * l.cols + 5], 0.0f);
    EXPECT_EQ(g.dequantized.data<float>()[r * l.cols + 77], 0.0f);
  }
}

TEST(Gptq, RejectsShapesTheFormatCannotHold) {
  const Layer l = make_layer(4, 96, 0, 7);
  HessianInverseOptions ho;
  EXPECT_THROW(gptq_quantize(l.w, hessian_inverse(l.h, l.cols, ho, "t"), QuantFormat::kInt4G128, {}, "x"),
               ConfigError);
}

}  // namespace
}  // namespace slimlm::compress
