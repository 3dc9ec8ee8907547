#include "slimlm/search/tpe_sampler.h"

#include <gtest/gtest.h>

#include <cstdio>

#include <fmt/format.h>

#include "slimlm/search/random_sampler.h"
#include "study_loop.h"

namespace slimlm::search {
namespace {

using Kind = Param::Kind;

TEST(Tpe, BeatsRandomOnASmallTwoObjectiveProblem) {
  // ZDT1 with 5 variables, 60 trials one at a time (10 random ones first),
  // mean hypervolume against (1.1, 11) over 5 seeds.
  SearchSpace s;
  for (int i = 0; i < 5; ++i) s.add({.name = fmt::format("x{}", i), .kind = Kind::kFloat, .low = 0, .high = 1});
  const TpeSampler tpe;
  const RandomSampler random;
  double tpe_mean = 0, random_mean = 0;
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const double t = testing::study_hypervolume(testing::run_study(tpe, s, testing::zdt1, 0, 60, 1, seed), {1.1, 11});
    const double r = testing::study_hypervolume(testing::run_study(random, s, testing::zdt1, 0, 60, 1, seed), {1.1, 11});
    std::printf("seed %llu: tpe %.4f random %.4f\n", static_cast<unsigned long long>(seed), t, r);
    tpe_mean += t / 5;
    random_mean += r / 5;
  }
  std::printf("mean hypervolume: tpe %.4f random %.4f\n", tpe_mean, random_mean);
  EXPECT_GT(tpe_mean, random_mean * 1.02);
}

TEST(Tpe, LearnsTheGoodCategoricalChoice) {
  // Choice "c" lowers both objectives by 1; after 40 trials most of the
  // next batch should use it (random: a quarter).
  SearchSpace s;
  s.add({.name = "m", .kind = Kind::kCategorical, .choices = {"a", "b", "c", "d"}});
  s.add({.name = "x", .kind = Kind::kFloat, .low = 0, .high = 1});
  s.add({.name = "k", .kind = Kind::kInt, .low = 1, .high = 64, .log = true});
  auto eval = [](const Candidate& c) {
    Observation o;
    const double penalty = c[0] == 2 ? 0 : 1;
    o.objectives = {c[1] + penalty, 1 - c[1] + penalty + std::abs(std::log2(c[2]) - 3) / 6};
    return o;
  };
  const TpeSampler tpe;
  const auto history = testing::run_study(tpe, s, eval, 0, 40, 1, 5);
  const auto next = tpe.propose({s, history, 20, 5, 40});
  ASSERT_EQ(next.size(), 20u);
  size_t good = 0;
  for (const Candidate& c : next) good += c[0] == 2;
  std::printf("choice c in %zu of 20 proposals\n", good);
  EXPECT_GE(good, 12u);
}

TEST(Tpe, AllFailedOrInfeasibleStillProposes) {
  SearchSpace s;
  s.add({.name = "x", .kind = Kind::kFloat, .low = 0, .high = 1});
  std::vector<Observation> h;
  for (int i = 0; i < 12; ++i) {
    h.push_back({.x = {i / 12.0}, .objectives = {i / 12.0, 1 - i / 12.0}, .violation = 1.0 + i, .generation = i});
  }
  for (int i = 0; i < 3; ++i) h.push_back({.x = {0.99 - i * 0.01}, .failed = true, .generation = 12});
  const TpeSampler tpe;
  const auto next = tpe.propose({s, h, 3, 1, 13});
  ASSERT_EQ(next.size(), 3u);
  // The least violating trials (small x) are the good ones.
  for (const Candidate& c : next) EXPECT_LT(c[0], 0.6);
}

}  // namespace
}  // namespace slimlm::search
