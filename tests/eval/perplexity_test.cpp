// evaluate_perplexity / evaluate_kld on synthetic logits: a "model" whose
// logits at position j depend on the whole prefix, so the test can recompute
// every scored NLL by brute force and catch an off-by-one in the protocol,
// the BOS substitution or the batching.
#include "slimlm/eval/perplexity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "slimlm/core/error.h"
#include "slimlm/eval/kld.h"
#include "slimlm/eval/logprob.h"

namespace slimlm::eval {
namespace {

constexpr int64_t kVocab = 37;

// Logits of position j of a row: a function of the token at j, of the row's
// first token and of the position (causal: nothing after j is read).
std::vector<float> fake_logits(std::span<const int32_t> row, int64_t j, float sharpness) {
  std::vector<float> l(kVocab);
  for (int64_t v = 0; v < kVocab; ++v) {
    l[static_cast<size_t>(v)] =
        sharpness * std::sin(0.37f * static_cast<float>(v * (row[static_cast<size_t>(j)] + 1))) +
        0.5f * std::cos(0.11f * static_cast<float>(v * (row[0] + 3))) + 0.01f * static_cast<float>(j % 5);
  }
  return l;
}

struct FakeModel {
  float sharpness = 3.0f;
  std::vector<std::pair<int64_t, int64_t>> calls;  // (B, T)

  Tensor operator()(std::span<const int32_t> tokens, int64_t B, int64_t T) {
    calls.emplace_back(B, T);
    Tensor out = Tensor::empty(DType::kF32, {B, T, kVocab});
    float* p = out.mutable_data<float>();
    for (int64_t b = 0; b < B; ++b) {
      const auto row = tokens.subspan(static_cast<size_t>(b * T), static_cast<size_t>(T));
      for (int64_t j = 0; j < T; ++j) {
        const auto l = fake_logits(row, j, sharpness);
        std::copy(l.begin(), l.end(), p + (b * T + j) * kVocab);
      }
    }
    return out;
  }
};

std::vector<int32_t> random_stream(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> v(n);
  for (auto& t : v) t = static_cast<int32_t>(rng() % kVocab);
  return v;
}

// The reference: every window, every scored position, spelled out.
double brute_force_nll_sum(std::span<const int32_t> tokens, PplProtocol p, int64_t ctx,
                           int64_t windows, int32_t bos, float sharpness, uint64_t* count) {
  double sum = 0;
  *count = 0;
  for (int64_t w = 0; w < windows; ++w) {
    std::vector<int32_t> row(tokens.begin() + w * ctx, tokens.begin() + (w + 1) * ctx);
    if (p == PplProtocol::kLlamaCpp) row[0] = bos;
    const int64_t first = p == PplProtocol::kLlamaCpp ? ctx / 2 : 0;
    for (int64_t j = first; j + 1 < ctx; ++j) {
      const auto l = fake_logits(row, j, sharpness);
      double z = 0;
      for (float v : l) z += std::exp(static_cast<double>(v));
      sum += std::log(z) - l[static_cast<size_t>(row[static_cast<size_t>(j + 1)])];
      ++*count;
    }
  }
  return sum;
}

TEST(Perplexity, MatchesBruteForceUnderBothProtocols) {
  const auto tokens = random_stream(1000, 11);
  for (auto proto : {PplProtocol::kHf, PplProtocol::kLlamaCpp}) {
    for (int64_t ctx : {16, 33, 64}) {
      FakeModel fake;
      PerplexityOptions o;
      o.protocol = proto;
      o.ctx = ctx;
      o.bos = 36;
      o.progress = false;
      const PerplexityResult r = evaluate_perplexity(std::ref(fake), tokens, o);
      uint64_t count = 0;
      const int64_t windows = 1000 / ctx;
      const double sum = brute_force_nll_sum(tokens, proto, ctx, windows, 36, 3.0f, &count);
      EXPECT_EQ(r.chunks, windows);
      EXPECT_EQ(r.tokens_scored, count);
      EXPECT_EQ(r.tokens_scored, static_cast<uint64_t>(windows * (ctx - 1 - (proto == PplProtocol::kHf ? 0 : ctx / 2))));
      EXPECT_NEAR(r.nll_sum, sum, 1e-7 * sum);  // exp in f32, sums in f64
      EXPECT_NEAR(r.ppl, std::exp(sum / static_cast<double>(count)), 1e-7 * r.ppl);
      EXPECT_GT(r.ppl_stderr, 0.0);
      EXPECT_LT(r.ppl_stderr, r.ppl);
      ASSERT_EQ(r.window_mean_nll.size(), static_cast<size_t>(windows));
      double s = 0;
      for (double v : r.window_mean_nll) s += v * static_cast<double>(count / windows);
      EXPECT_NEAR(s, sum, 1e-7 * sum);
    }
  }
}

TEST(Perplexity, BosReplacesTheFirstTokenOnlyForLlamaCpp) {
  // The fake's logits read row[0], so a different BOS changes llama.cpp's
  // result and leaves hf's alone.
  const auto tokens = random_stream(400, 5);
  for (auto proto : {PplProtocol::kHf, PplProtocol::kLlamaCpp}) {
    PerplexityOptions o;
    o.protocol = proto;
    o.ctx = 40;
    o.progress = false;
    o.bos = 1;
    FakeModel f1, f2;
    const double a = evaluate_perplexity(std::ref(f1), tokens, o).ppl;
    o.bos = 2;
    const double b = evaluate_perplexity(std::ref(f2), tokens, o).ppl;
    if (proto == PplProtocol::kHf) {
      EXPECT_EQ(a, b);
    } else {
      EXPECT_NE(a, b);
    }
  }
}

TEST(Perplexity, BatchingAndLimitChunks) {
  const auto tokens = random_stream(1000, 7);
  PerplexityOptions o;
  o.ctx = 100;
  o.bos = 0;
  o.progress = false;
  FakeModel one;
  const PerplexityResult r1 = evaluate_perplexity(std::ref(one), tokens, o);
  EXPECT_EQ(one.calls.size(), 10u);
  o.batch = 4;
  FakeModel four;
  const PerplexityResult r4 = evaluate_perplexity(std::ref(four), tokens, o);
  ASSERT_EQ(four.calls.size(), 3u);
  EXPECT_EQ(four.calls[0], std::make_pair(int64_t{4}, int64_t{100}));
  EXPECT_EQ(four.calls[2], std::make_pair(int64_t{2}, int64_t{100}));
  // Same sums in the same order: bit-identical.
  EXPECT_EQ(r1.nll_sum, r4.nll_sum);
  EXPECT_EQ(r1.ppl, r4.ppl);
  EXPECT_EQ(r1.window_mean_nll, r4.window_mean_nll);

  o.limit_chunks = 3;
  FakeModel lim;
  const PerplexityResult r3 = evaluate_perplexity(std::ref(lim), tokens, o);
  EXPECT_EQ(r3.chunks, 3);
  EXPECT_EQ(r3.chunks_total, 10);
  EXPECT_EQ(r3.tokens_scored, 3u * 49u);
  std::vector<double> head(r1.window_mean_nll.begin(), r1.window_mean_nll.begin() + 3);
  EXPECT_EQ(r3.window_mean_nll, head);
}

TEST(Perplexity, UniformLogitsGiveVocabularySize) {
  auto uniform = [](std::span<const int32_t>, int64_t B, int64_t T) {
    return Tensor::zeros(DType::kF32, {B, T, kVocab});
  };
  PerplexityOptions o;
  o.protocol = PplProtocol::kHf;
  o.ctx = 10;
  o.progress = false;
  const auto r = evaluate_perplexity(uniform, random_stream(100, 1), o);
  EXPECT_NEAR(r.ppl, static_cast<double>(kVocab), 1e-9);
  EXPECT_NEAR(r.ppl_stderr, 0.0, 1e-6);
}

TEST(Perplexity, RejectsWrongLogitShape) {
  auto bad = [](std::span<const int32_t>, int64_t B, int64_t T) {
    return Tensor::zeros(DType::kF32, {B, T - 1, kVocab});
  };
  PerplexityOptions o;
  o.ctx = 10;
  o.progress = false;
  EXPECT_THROW(evaluate_perplexity(bad, random_stream(100, 1), o), Error);
}

TEST(Kld, SameModelIsZeroAndAgreesEverywhere) {
  const auto tokens = random_stream(600, 9);
  PerplexityOptions o;
  o.ctx = 64;
  o.bos = 3;
  o.batch = 3;
  o.progress = false;
  FakeModel a, b, p;
  const KldResult r = evaluate_kld(std::ref(a), std::ref(b), tokens, o);
  const PerplexityResult ppl = evaluate_perplexity(std::ref(p), tokens, o);
  EXPECT_EQ(r.chunks, 9);
  EXPECT_EQ(r.stats.tokens, ppl.tokens_scored);
  EXPECT_EQ(r.stats.kld_mean, 0.0);
  EXPECT_EQ(r.stats.kld_max, 0.0);
  EXPECT_EQ(r.stats.top1, 1.0);
  EXPECT_NEAR(r.stats.ppl_base, ppl.ppl, 1e-9 * ppl.ppl);
  EXPECT_NEAR(r.stats.ppl_model, ppl.ppl, 1e-9 * ppl.ppl);
  EXPECT_NEAR(r.stats.ppl_base_unc, ppl.ppl_stderr, 1e-9 * ppl.ppl);
  EXPECT_DOUBLE_EQ(r.stats.ppl_ratio, 1.0);
}

TEST(Kld, DifferentModelMatchesBruteForce) {
  const auto tokens = random_stream(300, 13);
  PerplexityOptions o;
  o.ctx = 30;
  o.bos = 3;
  o.progress = false;
  FakeModel base, model;
  model.sharpness = 2.0f;
  const KldResult r = evaluate_kld(std::ref(base), std::ref(model), tokens, o);

  double kl_sum = 0;
  uint64_t n = 0, same = 0;
  for (int64_t w = 0; w < 10; ++w) {
    std::vector<int32_t> row(tokens.begin() + w * 30, tokens.begin() + (w + 1) * 30);
    row[0] = 3;
    for (int64_t j = 15; j < 29; ++j) {
      const auto lb = fake_logits(row, j, 3.0f);
      const auto lm = fake_logits(row, j, 2.0f);
      double zb = 0, zm = 0;
      for (int v = 0; v < kVocab; ++v) {
        zb += std::exp(static_cast<double>(lb[v]));
        zm += std::exp(static_cast<double>(lm[v]));
      }
      for (int v = 0; v < kVocab; ++v) {
        const double pb = std::exp(static_cast<double>(lb[v])) / zb;
        kl_sum += pb * (std::log(pb) - (static_cast<double>(lm[v]) - std::log(zm)));
      }
      const auto ab = std::max_element(lb.begin(), lb.end()) - lb.begin();
      const auto am = std::max_element(lm.begin(), lm.end()) - lm.begin();
      same += ab == am;
      ++n;
    }
  }
  ASSERT_EQ(r.stats.tokens, n);
  EXPECT_NEAR(r.stats.kld_mean, kl_sum / static_cast<double>(n), 1e-6 * kl_sum / static_cast<double>(n));
  EXPECT_GT(r.stats.kld_mean, 0.01);
  EXPECT_DOUBLE_EQ(r.stats.top1, static_cast<double>(same) / static_cast<double>(n));
  EXPECT_GE(r.stats.kld_p99, r.stats.kld_median);
  EXPECT_GE(r.stats.kld_max, r.stats.kld_p99);
}

TEST(Kld, VocabularyMismatchIsAConfigError) {
  auto small = [](std::span<const int32_t>, int64_t B, int64_t T) {
    return Tensor::zeros(DType::kF32, {B, T, 10});
  };
  auto big = [](std::span<const int32_t>, int64_t B, int64_t T) {
    return Tensor::zeros(DType::kF32, {B, T, 11});
  };
  PerplexityOptions o;
  o.ctx = 8;
  o.bos = 0;
  o.progress = false;
  std::vector<int32_t> tokens(64, 1);
  EXPECT_THROW(evaluate_kld(small, big, tokens, o), ConfigError);
}

TEST(Perplexity, DefaultBatch) {
  EXPECT_EQ(default_batch(512, 8192), 4);     // 2048 / 512
  EXPECT_EQ(default_batch(2048, 8192), 1);
  EXPECT_EQ(default_batch(128, 8192), 16);
  EXPECT_EQ(default_batch(512, 152064), 1);   // 4 rows of logits would pass 256 MiB
}

}  // namespace
}  // namespace slimlm::eval
