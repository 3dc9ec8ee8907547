#include "slimlm/eval/logprob.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "slimlm/core/error.h"
#include "slimlm/eval/kld.h"

namespace slimlm::eval {
namespace {

TEST(LogProb, TokenNllOnKnownDistribution) {
  // softmax(log 1, log 2, log 3, log 4) = (0.1, 0.2, 0.3, 0.4).
  const std::vector<float> l = {std::log(1.0f), std::log(2.0f), std::log(3.0f), std::log(4.0f)};
  EXPECT_NEAR(token_nll(l, 0), -std::log(0.1), 1e-6);
  EXPECT_NEAR(token_nll(l, 3), -std::log(0.4), 1e-6);
  EXPECT_NEAR(log_sum_exp(l), std::log(10.0), 1e-6);
}

TEST(LogProb, StableForHugeLogits) {
  // exp(1e4) overflows f32 and f64; the shifted form does not.
  const std::vector<float> l = {1e4f, 1e4f, 1e4f - 2.0f};
  const double z = 2.0 + std::exp(-2.0);
  EXPECT_NEAR(token_nll(l, 2), 2.0 + std::log(z), 1e-9);
  EXPECT_NEAR(token_nll(l, 0), std::log(z), 1e-9);
  const std::vector<float> neg = {-1e4f, -1e4f + std::log(3.0f)};
  EXPECT_NEAR(token_nll(neg, 0), std::log(4.0), 1e-4);
}

TEST(LogProb, RejectsBadRows) {
  const std::vector<float> l = {0.f, 1.f};
  EXPECT_THROW(token_nll(l, 2), Error);
  EXPECT_THROW(token_nll(l, -1), Error);
  const std::vector<float> nan = {std::nanf(""), std::nanf("")};
  EXPECT_THROW(token_nll(nan, 0), Error);
  const std::vector<float> inf = {std::numeric_limits<float>::infinity(), 0.f};
  EXPECT_THROW(token_nll(inf, 0), Error);
}

TEST(KlRow, AnalyticValue) {
  // p = (0.5, 0.25, 0.25), q = (0.25, 0.25, 0.5): KL(p‖q) = 0.5 ln 2 + 0.25 ln(0.5) = 0.25 ln 2.
  const std::vector<float> p = {std::log(0.5f), std::log(0.25f), std::log(0.25f)};
  std::vector<float> q = {std::log(0.25f), std::log(0.25f), std::log(0.5f)};
  for (auto& v : q) v += 3.0f;  // logits are defined up to a constant
  const KlRow r = kl_row(p, q, 1);
  EXPECT_NEAR(r.kl, 0.25 * std::log(2.0), 1e-7);
  EXPECT_NEAR(r.nll_base, std::log(4.0), 1e-6);
  EXPECT_NEAR(r.nll_model, std::log(4.0), 1e-6);
  EXPECT_EQ(r.top_base, 0);
  EXPECT_EQ(r.top_model, 2);
  // Asymmetric: KL(q‖p) = 0.5 ln 2 + 0.25 ln 0.5 too here; pick a case where it differs.
  const std::vector<float> a = {std::log(0.9f), std::log(0.1f)};
  const std::vector<float> b = {std::log(0.5f), std::log(0.5f)};
  EXPECT_NEAR(kl_row(a, b, 0).kl, 0.9 * std::log(1.8) + 0.1 * std::log(0.2), 1e-6);
  EXPECT_NEAR(kl_row(b, a, 0).kl, 0.5 * std::log(0.5 / 0.9) + 0.5 * std::log(5.0), 1e-6);
}

TEST(KlRow, SelfIsExactlyZeroAndMatchesBruteForce) {
  std::mt19937 rng(3);
  std::normal_distribution<float> n(0.f, 4.f);
  std::vector<float> a(1000), b(1000);
  for (size_t i = 0; i < a.size(); ++i) {
    a[i] = n(rng);
    b[i] = a[i] + 0.3f * n(rng);
  }
  const KlRow self = kl_row(a, a, 5);
  EXPECT_EQ(self.kl, 0.0);
  EXPECT_EQ(self.top_base, self.top_model);
  EXPECT_EQ(self.nll_base, self.nll_model);

  // Brute force in long double.
  long double za = 0, zb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    za += std::exp(static_cast<long double>(a[i]));
    zb += std::exp(static_cast<long double>(b[i]));
  }
  long double kl = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const long double la = a[i] - std::log(za), lb = b[i] - std::log(zb);
    kl += std::exp(la) * (la - lb);
  }
  const KlRow r = kl_row(a, b, 5);
  EXPECT_NEAR(r.kl, static_cast<double>(kl), 1e-6 * static_cast<double>(kl) + 1e-9);
  EXPECT_GT(r.kl, 0.0);
  EXPECT_NEAR(r.nll_base, token_nll(a, 5), 1e-9);
  EXPECT_NEAR(r.nll_model, token_nll(b, 5), 1e-9);
  EXPECT_THROW(kl_row(a, std::vector<float>(999), 0), Error);
}

TEST(KldAccumulator, SummaryOfHandMadeRows) {
  KldAccumulator acc;
  // 100 rows: KL = i/100, the argmax agrees on 80 of them, NLLs fixed.
  for (int i = 0; i < 100; ++i) {
    KlRow r;
    r.kl = i / 100.0;
    r.nll_base = 1.0;
    r.nll_model = i % 2 ? 1.2 : 1.0;
    r.top_base = 7;
    r.top_model = i < 80 ? 7 : 8;
    acc.add(r);
  }
  const KldSummary s = acc.summary();
  EXPECT_EQ(s.tokens, 100u);
  EXPECT_NEAR(s.kld_mean, 0.495, 1e-12);
  EXPECT_NEAR(s.kld_median, 0.495, 1e-6);
  EXPECT_NEAR(s.kld_p99, 0.9801, 1e-5);  // 0.99 · 99 = 98.01 -> 0.98 + 0.01 · 0.01
  EXPECT_NEAR(s.kld_max, 0.99, 1e-6);
  EXPECT_NEAR(s.kld_min, 0.0, 1e-12);
  // Σ(i/100)² = 32.835 -> E[k²] = 0.32835
  EXPECT_NEAR(s.kld_unc, std::sqrt((0.32835 - 0.495 * 0.495) / 99.0), 1e-9);
  EXPECT_DOUBLE_EQ(s.top1, 0.8);
  EXPECT_NEAR(s.top1_unc, std::sqrt(0.8 * 0.2 / 99.0), 1e-12);
  EXPECT_NEAR(s.ppl_base, std::exp(1.0), 1e-12);
  EXPECT_NEAR(s.ppl_model, std::exp(1.1), 1e-12);
  EXPECT_NEAR(s.ppl_ratio, std::exp(0.1), 1e-12);
  EXPECT_NEAR(s.dp_mean, 0.5 * (std::exp(-1.2) - std::exp(-1.0)), 1e-12);
}

TEST(KldAccumulator, IdenticalModels) {
  KldAccumulator acc;
  for (int i = 0; i < 50; ++i) {
    KlRow r;
    r.nll_base = r.nll_model = 0.5 + i * 0.1;
    r.top_base = r.top_model = i;
    acc.add(r);
  }
  const KldSummary s = acc.summary();
  EXPECT_EQ(s.kld_mean, 0.0);
  EXPECT_EQ(s.kld_p99, 0.0);
  EXPECT_EQ(s.top1, 1.0);
  EXPECT_DOUBLE_EQ(s.ppl_ratio, 1.0);
  EXPECT_NEAR(s.ln_ppl_ratio_unc, 0.0, 1e-7);
  EXPECT_NEAR(s.ppl_correlation, 1.0, 1e-9);
  EXPECT_EQ(s.dp_rms, 0.0);
}

}  // namespace
}  // namespace slimlm::eval
