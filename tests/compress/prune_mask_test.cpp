// Sparsity patterns and masks (compress/nm_mask.h), magnitude and Wanda on
// hand-made weights, SparseGPT against magnitude and Wanda on a layer with
// correlated inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "slimlm/compress/hessian_inverse.h"
#include "slimlm/compress/nm_mask.h"
#include "slimlm/compress/owl.h"
#include "slimlm/compress/prune_magnitude.h"
#include "slimlm/compress/prune_wanda.h"
#include "slimlm/compress/sparsegpt.h"
#include "slimlm/core/error.h"

namespace slimlm::compress {
namespace {

std::vector<float> normal(size_t n, uint32_t seed, float sd = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

TEST(SparsityPattern, ParsesFractionsPercentAndNM) {
  EXPECT_DOUBLE_EQ(SparsityPattern::parse("0.5", "--sparsity").ratio, 0.5);
  EXPECT_DOUBLE_EQ(SparsityPattern::parse("30%", "--sparsity").ratio, 0.3);
  const SparsityPattern p = SparsityPattern::parse("4:8", "--pattern");
  EXPECT_TRUE(p.is_nm());
  EXPECT_EQ(p.n, 4);
  EXPECT_EQ(p.m, 8);
  EXPECT_DOUBLE_EQ(SparsityPattern::parse("1:4", "--pattern").sparsity(), 0.75);
  EXPECT_EQ(SparsityPattern::parse("2:4", "--pattern").to_string(), "2:4");
  for (const char* bad : {"0", "1", "1.5", "-0.2", "abc", "4:4", "0:4", "5:4", "2:", ":4", "2:4:8"}) {
    EXPECT_THROW(SparsityPattern::parse(bad, "--sparsity"), ConfigError) << bad;
  }
  try {
    SparsityPattern::parse("2:x", "--pattern");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("--pattern"), std::string::npos);
  }
  EXPECT_THROW(SparsityPattern::nm(2, 4).check_shape(3, 10, "w"), ConfigError);
  EXPECT_NO_THROW(SparsityPattern::nm(2, 4).check_shape(3, 12, "w"));
}

TEST(PruneMask, PerRowPrunesExactlyTheLowestOfEachRow) {
  // Ties go to the earlier column.
  const std::vector<float> score = {5, 1, 3, 2,  //
                                    1, 1, 1, 1};
  std::vector<uint8_t> mask(8);
  prune_mask(score.data(), 2, 4, SparsityPattern::unstructured(0.5), MaskScope::kPerRow, mask.data());
  EXPECT_EQ(mask, (std::vector<uint8_t>{0, 1, 0, 1, 1, 1, 0, 0}));
  // int(cols · ratio) per row, as the reference: 0.3 of 10 is 3.
  const auto s = normal(40, 3);
  std::vector<uint8_t> m(40);
  prune_mask(s.data(), 4, 10, SparsityPattern::unstructured(0.3), MaskScope::kPerRow, m.data());
  for (int r = 0; r < 4; ++r) {
    int n = 0;
    for (int j = 0; j < 10; ++j) n += m[static_cast<size_t>(r * 10 + j)];
    EXPECT_EQ(n, 3) << "row " << r;
  }
}

TEST(PruneMask, PerTensorUsesOneThreshold) {
  // The two smallest scores of the tensor sit in row 0: per tensor prunes
  // both there, per row one from each row.
  const std::vector<float> score = {0.1f, 0.2f, 5, 6,  //
                                    3, 4, 7, 8};
  std::vector<uint8_t> mask(8);
  prune_mask(score.data(), 2, 4, SparsityPattern::unstructured(0.25), MaskScope::kPerTensor, mask.data());
  EXPECT_EQ(mask, (std::vector<uint8_t>{1, 1, 0, 0, 0, 0, 0, 0}));
  prune_mask(score.data(), 2, 4, SparsityPattern::unstructured(0.25), MaskScope::kPerRow, mask.data());
  EXPECT_EQ(mask, (std::vector<uint8_t>{1, 0, 0, 0, 1, 0, 0, 0}));
}

TEST(PruneMask, NMHoldsInEveryGroup) {
  for (auto [n, m] : {std::pair{2, 4}, {4, 8}, {1, 4}, {3, 8}, {2, 8}}) {
    const auto s = normal(static_cast<size_t>(6 * 32), static_cast<uint32_t>(n * 10 + m));
    std::vector<uint8_t> mask(s.size());
    prune_mask(s.data(), 6, 32, SparsityPattern::nm(n, m), MaskScope::kPerTensor, mask.data());
    std::vector<float> w = normal(s.size(), 99);
    apply_mask(w.data(), mask.data(), static_cast<int64_t>(w.size()));
    const PatternCheck c = check_pattern(w.data(), 6, 32, SparsityPattern::nm(n, m), MaskScope::kPerRow);
    EXPECT_TRUE(c.ok) << n << ":" << m << " " << c.problem;
    EXPECT_EQ(c.zeros, 6 * 32 * (m - n) / m) << n << ":" << m;
    // The kept ones are the largest of their group.
    for (int64_t g = 0; g < 6 * 32; g += m) {
      float kept_min = 1e30f, pruned_max = -1e30f;
      for (int i = 0; i < m; ++i) {
        const float v = s[static_cast<size_t>(g + i)];
        if (mask[static_cast<size_t>(g + i)]) {
          pruned_max = std::max(pruned_max, v);
        } else {
          kept_min = std::min(kept_min, v);
        }
      }
      EXPECT_LE(pruned_max, kept_min);
    }
  }
}

TEST(PatternCheck, FindsTheFirstBrokenGroupOrRow) {
  std::vector<float> w = {1, 0, 2, 0, 1, 2, 3, 0};
  PatternCheck c = check_pattern(w.data(), 1, 8, SparsityPattern::nm(2, 4), MaskScope::kPerRow);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.problem.find("columns 4..7 hold 3"), std::string::npos) << c.problem;
  c = check_pattern(w.data(), 2, 4, SparsityPattern::unstructured(0.5), MaskScope::kPerRow);
  EXPECT_FALSE(c.ok);
  EXPECT_NE(c.problem.find("row 1"), std::string::npos) << c.problem;
  EXPECT_TRUE(check_pattern(w.data(), 2, 4, SparsityPattern::unstructured(0.375), MaskScope::kPerTensor).ok);
}

TEST(PruneMagnitude, ZerosTheSmallestMagnitudes) {
  std::vector<float> w = {0.5f, -3.0f, 0.1f, 2.0f, -0.2f, 1.0f, -4.0f, 0.3f};
  EXPECT_EQ(prune_magnitude(w.data(), 2, 4, SparsityPattern::unstructured(0.5)), 4);
  EXPECT_EQ(w, (std::vector<float>{0, -3.0f, 0, 2.0f, 0, 1.0f, -4.0f, 0}));
}

TEST(PruneWanda, WeighsMagnitudeByInputNorm) {
  // Same magnitudes; the input norms decide: column 1 has the loud input.
  std::vector<float> w = {1, 1, 1, 1};
  const std::vector<double> sq = {1, 100, 4, 9};
  EXPECT_EQ(prune_wanda(w.data(), 1, 4, sq, SparsityPattern::unstructured(0.5)), 2);
  EXPECT_EQ(w, (std::vector<float>{0, 1, 0, 1}));
  // A large weight on a silent input goes before a small one on a loud input.
  std::vector<float> w2 = {10, 0.5f, 1, 1};
  const std::vector<double> sq2 = {1e-6, 400, 1, 1};
  prune_wanda(w2.data(), 1, 4, sq2, SparsityPattern::nm(2, 4));
  EXPECT_EQ(w2[0], 0.0f);
  EXPECT_NE(w2[1], 0.0f);
}

// Inputs with strongly correlated features and a few loud ones, the setting
// where the OBS update pays off.
struct Layer {
  int64_t rows = 48, cols = 64, tokens = 512;
  std::vector<float> x, w;
  std::vector<double> h, sq;
};

Layer make_layer() {
  Layer L;
  std::mt19937 rng(7);
  std::normal_distribution<float> d(0.f, 1.f);
  const int64_t k = 12;  // latent factors
  std::vector<float> mix = normal(static_cast<size_t>(k * L.cols), 11);
  L.x.resize(static_cast<size_t>(L.tokens * L.cols));
  for (int64_t t = 0; t < L.tokens; ++t) {
    float z[k];
    for (auto& e : z) e = d(rng);
    for (int64_t j = 0; j < L.cols; ++j) {
      float v = 0.1f * d(rng);
      for (int64_t f = 0; f < k; ++f) v += z[f] * mix[static_cast<size_t>(f * L.cols + j)];
      if (j % 16 == 3) v *= 6.0f;
      L.x[static_cast<size_t>(t * L.cols + j)] = v;
    }
  }
  L.w = normal(static_cast<size_t>(L.rows * L.cols), 13, 0.1f);
  L.h.assign(static_cast<size_t>(L.cols * L.cols), 0.0);
  L.sq.assign(static_cast<size_t>(L.cols), 0.0);
  for (int64_t t = 0; t < L.tokens; ++t) {
    const float* xt = L.x.data() + t * L.cols;
    for (int64_t i = 0; i < L.cols; ++i) {
      L.sq[static_cast<size_t>(i)] += static_cast<double>(xt[i]) * xt[i];
      for (int64_t j = 0; j < L.cols; ++j) L.h[static_cast<size_t>(i * L.cols + j)] += static_cast<double>(xt[i]) * xt[j];
    }
  }
  return L;
}

TEST(SparseGpt, BeatsMaskOnlyMethodsOnTheLayerOutput) {
  const Layer L = make_layer();
  const HessianInverse hinv = hessian_inverse(L.h, L.cols, {0.01, false}, "test layer");
  for (const SparsityPattern& p : {SparsityPattern::unstructured(0.5), SparsityPattern::nm(2, 4),
                                   SparsityPattern::nm(4, 8)}) {
    std::vector<float> mag = L.w, wanda = L.w, sgpt = L.w;
    prune_magnitude(mag.data(), L.rows, L.cols, p, MaskScope::kPerRow);
    prune_wanda(wanda.data(), L.rows, L.cols, L.sq, p);
    const SparseGptResult r = sparsegpt_prune(sgpt.data(), L.rows, L.cols, hinv, p, 32);
    const double e_mag = relative_output_error(L.w.data(), mag.data(), L.rows, L.cols, L.h);
    const double e_wanda = relative_output_error(L.w.data(), wanda.data(), L.rows, L.cols, L.h);
    const double e_sgpt = relative_output_error(L.w.data(), sgpt.data(), L.rows, L.cols, L.h);
    SCOPED_TRACE(p.to_string());
    EXPECT_LT(e_wanda, e_mag);
    EXPECT_LT(e_sgpt, 0.7 * e_wanda);
    EXPECT_GT(r.loss, 0.0);
    const PatternCheck c = check_pattern(sgpt.data(), L.rows, L.cols, p, MaskScope::kPerTensor);
    EXPECT_TRUE(c.ok) << c.problem;
    EXPECT_EQ(r.pruned, static_cast<int64_t>(std::floor(L.rows * L.cols * p.sparsity() + 1e-9)));
  }
}

TEST(SparseGpt, WithAnIdentityHessianIsBlockwiseMagnitude) {
  // U = I / sqrt(1 + damp): equal diagonal, no off-diagonal update, so the
  // mask is magnitude over each block and the kept weights are unchanged.
  const int64_t rows = 8, cols = 32;
  std::vector<double> h(static_cast<size_t>(cols * cols), 0.0);
  for (int64_t i = 0; i < cols; ++i) h[static_cast<size_t>(i * cols + i)] = 1.0;
  const HessianInverse hinv = hessian_inverse(h, cols, {0.01, false}, "identity");
  const auto w0 = normal(static_cast<size_t>(rows * cols), 5);
  std::vector<float> sgpt = w0, mag = w0;
  sparsegpt_prune(sgpt.data(), rows, cols, hinv, SparsityPattern::unstructured(0.5), cols);
  prune_magnitude(mag.data(), rows, cols, SparsityPattern::unstructured(0.5), MaskScope::kPerTensor);
  EXPECT_EQ(sgpt, mag);
  std::vector<float> s24 = w0, m24 = w0;
  sparsegpt_prune(s24.data(), rows, cols, hinv, SparsityPattern::nm(2, 4), 16);
  prune_magnitude(m24.data(), rows, cols, SparsityPattern::nm(2, 4));
  EXPECT_EQ(s24, m24);
}

TEST(Owl, LayersWithMoreOutliersKeepMoreWeights) {
  const std::vector<double> d = {0.010, 0.002, 0.004, 0.002};
  const std::vector<double> s = owl_sparsity(d, 0.5, 0.08);
  ASSERT_EQ(s.size(), 4u);
  double mean = 0;
  for (double x : s) mean += x / 4;
  EXPECT_NEAR(mean, 0.5, 1e-12);
  // Range exactly 2λ, from the most outliers (least sparse) to the fewest.
  EXPECT_NEAR(s[1] - s[0], 0.16, 1e-12);
  EXPECT_DOUBLE_EQ(s[1], s[3]);
  EXPECT_LT(s[0], s[2]);
  EXPECT_LT(s[2], s[1]);
  // No spread, no departure from the target.
  EXPECT_EQ(owl_sparsity({0.3, 0.3}, 0.6, 0.08), (std::vector<double>{0.6, 0.6}));
  EXPECT_DOUBLE_EQ(outlier_ratio({1, 1, 1, 1, 1, 1, 1, 1, 1, 100}, 5.0), 0.1);
}

TEST(SparseGpt, RejectsBlocksThatSplitGroups) {
  const int64_t cols = 16;
  std::vector<double> h(static_cast<size_t>(cols * cols), 0.0);
  for (int64_t i = 0; i < cols; ++i) h[static_cast<size_t>(i * cols + i)] = 1.0;
  const HessianInverse hinv = hessian_inverse(h, cols, {0.01, false}, "h");
  std::vector<float> w(static_cast<size_t>(2 * cols), 1.0f);
  EXPECT_THROW(sparsegpt_prune(w.data(), 2, cols, hinv, SparsityPattern::nm(2, 8), 4), ConfigError);
  EXPECT_NO_THROW(sparsegpt_prune(w.data(), 2, cols, hinv, SparsityPattern::nm(2, 8), 8));
}

}  // namespace
}  // namespace slimlm::compress
