#include "slimlm/model/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <vector>

#include "slimlm/core/error.h"

namespace slimlm::model {
namespace {

std::vector<float> random_logits(size_t V, uint32_t seed, float scale = 2.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n(0.f, scale);
  std::vector<float> l(V);
  for (auto& v : l) v = n(rng);
  return l;
}

SamplerParams params(float temp, int top_k, float top_p, uint64_t seed = 42) {
  SamplerParams p;
  p.temperature = temp;
  p.top_k = top_k;
  p.top_p = top_p;
  p.seed = seed;
  return p;
}

TEST(Sampler, DefaultsAreLlamaCpps) {
  const SamplerParams p;
  EXPECT_FLOAT_EQ(p.temperature, 0.8f);
  EXPECT_EQ(p.top_k, 40);
  EXPECT_FLOAT_EQ(p.top_p, 0.95f);
  EXPECT_FALSE(p.greedy());
}

TEST(Sampler, GreedyIsArgmax) {
  for (uint32_t seed = 0; seed < 20; ++seed) {
    const auto l = random_logits(1000, seed);
    const auto want = static_cast<int32_t>(std::max_element(l.begin(), l.end()) - l.begin());
    EXPECT_EQ(argmax(l), want);
    Sampler s(params(0.0f, 40, 0.95f, seed));
    EXPECT_EQ(s.sample(l), want);
    Sampler neg(params(-1.0f, 0, 1.0f, seed));  // llama.cpp: temp < 0 is greedy too
    EXPECT_EQ(neg.sample(l), want);
  }
  // Ties go to the lowest id.
  Sampler s(params(0.0f, 0, 1.0f));
  EXPECT_EQ(s.sample(std::vector<float>{1.f, 3.f, 3.f, 2.f}), 1);
  EXPECT_EQ(argmax(std::vector<float>{}), -1);
}

TEST(Sampler, TopK1AndTinyTopPAreGreedy) {
  for (uint32_t seed = 0; seed < 20; ++seed) {
    const auto l = random_logits(500, 100 + seed);
    const int32_t want = argmax(l);
    Sampler k1(params(1.5f, 1, 1.0f, seed));
    Sampler p0(params(1.5f, 0, 1e-6f, seed));
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(k1.sample(l), want);
      EXPECT_EQ(p0.sample(l), want);
    }
  }
}

// The filtered distribution, written out independently of the sampler.
std::map<int32_t, double> expected_distribution(const std::vector<float>& l, double temp, size_t k,
                                                double top_p) {
  std::vector<int32_t> ids(l.size());
  std::iota(ids.begin(), ids.end(), 0);
  std::sort(ids.begin(), ids.end(), [&](int32_t a, int32_t b) { return l[a] > l[b]; });
  ids.resize(std::min(k, ids.size()));
  std::vector<double> p;
  double z = 0;
  for (int32_t id : ids) {
    p.push_back(std::exp((l[id] - l[ids[0]]) / temp));
    z += p.back();
  }
  double cum = 0;
  size_t keep = ids.size();
  for (size_t i = 0; i < ids.size(); ++i) {
    cum += p[i] / z;
    if (cum >= top_p) {
      keep = i + 1;
      break;
    }
  }
  double kz = 0;
  for (size_t i = 0; i < keep; ++i) kz += p[i];
  std::map<int32_t, double> out;
  for (size_t i = 0; i < keep; ++i) out[ids[i]] = p[i] / kz;
  return out;
}

TEST(Sampler, DistributionMatchesTheFiltersInOrder) {
  const std::vector<float> l = {2.0f, 1.0f, 0.5f, 3.0f, -1.0f, 0.0f, 2.5f, 1.5f};
  // temp 0.7 sharpens before top-p cuts: the nucleus is computed on p ∝ exp(l/0.7).
  Sampler s(params(0.7f, 5, 0.8f));
  const auto got = s.distribution(l);
  const auto want = expected_distribution(l, 0.7, 5, 0.8);
  ASSERT_EQ(got.size(), want.size());
  for (const auto& tp : got) EXPECT_NEAR(tp.p, want.at(tp.id), 1e-6) << tp.id;  // logits / T in f32
  // Descending probability.
  for (size_t i = 1; i < got.size(); ++i) EXPECT_GE(got[i - 1].p, got[i].p);
  // Exactly: ids 3 (3.0), 6 (2.5), 0 (2.0) carry 0.8 only together at temp 0.7.
  EXPECT_EQ(got.size(), 3u);

  // A hotter temperature flattens p, so the same nucleus holds more tokens (4).
  Sampler s2(params(2.0f, 5, 0.8f));
  EXPECT_EQ(s2.distribution(l).size(), expected_distribution(l, 2.0, 5, 0.8).size());
  EXPECT_EQ(s2.distribution(l).size(), 4u);
}

TEST(Sampler, EmpiricalFrequenciesMatchTheFilteredDistribution) {
  const auto l = random_logits(64, 9, 1.0f);
  Sampler s(params(0.9f, 12, 0.9f, 1234));
  const auto want = expected_distribution(l, 0.9, 12, 0.9);
  ASSERT_GT(want.size(), 3u);
  constexpr int kDraws = 200000;
  std::map<int32_t, int> counts;
  for (int i = 0; i < kDraws; ++i) ++counts[s.sample(l)];
  for (const auto& [id, n] : counts) {
    EXPECT_TRUE(want.count(id)) << "token " << id << " is outside the filtered set";
  }
  double chi2 = 0;
  for (const auto& [id, p] : want) {
    const double expected = p * kDraws;
    const double got = counts.count(id) ? counts.at(id) : 0;
    // 5 standard deviations of a binomial count.
    EXPECT_NEAR(got, expected, 5 * std::sqrt(expected * (1 - p)) + 1) << "token " << id;
    chi2 += (got - expected) * (got - expected) / expected;
  }
  // df = |want| − 1 ≤ 11; P(χ² > 40) < 1e-4 at df 11.
  EXPECT_LT(chi2, 40.0);
}

TEST(Sampler, SameSeedSameTokens) {
  const auto l = random_logits(300, 4, 1.0f);
  auto run = [&](uint64_t seed) {
    Sampler s(params(1.0f, 0, 1.0f, seed));
    std::vector<int32_t> out;
    for (int i = 0; i < 200; ++i) out.push_back(s.sample(l));
    return out;
  };
  EXPECT_EQ(run(7), run(7));
  EXPECT_NE(run(7), run(8));
  // reset() restarts the stream.
  Sampler s(params(1.0f, 0, 1.0f, 7));
  const auto first = s.sample(l);
  s.sample(l);
  s.reset(7);
  EXPECT_EQ(s.sample(l), first);
  EXPECT_EQ(run(7).front(), first);
}

TEST(Sampler, MinP) {
  // p ∝ (8, 4, 2, 1): min-p 0.3 keeps tokens with p >= 0.3 · p_max: ids 0 and 1.
  const std::vector<float> l = {std::log(8.f), std::log(4.f), std::log(2.f), std::log(1.f)};
  SamplerParams p = params(1.0f, 0, 1.0f);
  p.min_p = 0.3f;
  const auto d = Sampler(p).distribution(l);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_NEAR(d[0].p, 8.0 / 12.0, 1e-9);
  EXPECT_NEAR(d[1].p, 4.0 / 12.0, 1e-9);
}

TEST(Sampler, RepetitionPenalty) {
  const std::vector<float> l = {2.0f, 1.9f, -1.0f, -1.2f};
  SamplerParams p = params(0.0f, 0, 1.0f);
  p.repeat_penalty = 1.5f;
  p.repeat_last_n = 2;
  Sampler s(p);
  EXPECT_EQ(s.sample(l), 0);
  s.accept(0);  // 2.0 / 1.5 = 1.33 < 1.9
  EXPECT_EQ(s.sample(l), 1);
  // A negative logit is multiplied: -1.0 · 1.5 = -1.5 < -1.2.
  const std::vector<float> neg = {-1.0f, -1.2f};
  Sampler n(p);
  n.accept(0);
  EXPECT_EQ(n.sample(neg), 1);
  // Only the last 2 tokens count.
  s.accept(2);
  s.accept(3);
  EXPECT_EQ(s.sample(l), 0);
}

TEST(Sampler, RejectsBadParams) {
  EXPECT_THROW(Sampler(params(1.0f, 0, 0.0f)), ConfigError);
  EXPECT_THROW(Sampler(params(NAN, 0, 0.9f)), ConfigError);
  SamplerParams p;
  p.min_p = 1.5f;
  EXPECT_THROW(Sampler{p}, ConfigError);
  p = {};
  p.repeat_penalty = 0.0f;
  EXPECT_THROW(Sampler{p}, ConfigError);
  Sampler ok(params(1.0f, 0, 1.0f));
  EXPECT_THROW(ok.sample(std::vector<float>{}), Error);
}

}  // namespace
}  // namespace slimlm::model
