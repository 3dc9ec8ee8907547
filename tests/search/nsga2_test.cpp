#include "slimlm/search/nsga2_sampler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include <fmt/format.h>

#include "study_loop.h"

namespace slimlm::search {
namespace {

using Kind = Param::Kind;

TEST(Nsga2, ParentsReplayByFrontThenCrowding) {
  SearchSpace s;
  s.add({.name = "x", .kind = Kind::kFloat, .low = 0, .high = 1});
  std::vector<Observation> h;
  auto add = [&](std::vector<double> f, int64_t gen, double violation = 0, bool failed = false) {
    h.push_back({.x = {0.1 * static_cast<double>(h.size())}, .objectives = std::move(f),
                 .violation = violation, .failed = failed, .generation = gen});
  };
  add({1, 5}, 0);  // 0  front 0, boundary
  add({2, 3}, 0);  // 1  front 0, middle
  add({4, 1}, 0);  // 2  front 0, boundary
  add({3, 4}, 0);  // 3  front 1
  add({5, 2}, 0);  // 4  front 1
  add({}, 0, 0, true);  // 5  failed: last
  add({0.5, 0.5}, 1);    // 6  dominates everything
  add({0.1, 0.1}, 1, 0.3);  // 7  the best objectives but infeasible
  const Nsga2Sampler nsga2(Nsga2Options{.population = 4});
  // P_0: front 0 by crowding (the two boundaries, then the middle), then
  // the first of front 1 (both boundaries of a two-point front).
  EXPECT_EQ(nsga2.parents({s, h, 4, 0, 1}), (std::vector<size_t>{0, 2, 1, 3}));
  // P_1 from P_0 and generation 1: 6 leads, the infeasible 7 does not make it.
  EXPECT_EQ(nsga2.parents({s, h, 4, 0, 2}), (std::vector<size_t>{6, 0, 2, 1}));
  // The context's population wins over the option.
  EXPECT_EQ(nsga2.parents({s, h, 4, 0, 1, 2}), (std::vector<size_t>{0, 2}));
  // Nothing before generation 0.
  EXPECT_TRUE(nsga2.parents({s, h, 4, 0, 0}).empty());
}

TEST(Nsga2, Zdt1ReachesTheTrueFrontsHypervolume) {
  // ZDT1, 30 variables in [0, 1], population 100. With reference (1.1, 1.1)
  // the true front f2 = 1 − sqrt(f1), f1 in [0, 1], dominates
  //   HV* = ∫0^1 (1.1 − (1 − sqrt f1)) df1 + 0.1 · 1.1 = 0.1 + 2/3 + 0.11
  //       = 1.1² − 1/3 = 0.87666...
  SearchSpace s;
  for (int i = 0; i < 30; ++i) s.add({.name = fmt::format("x{}", i), .kind = Kind::kFloat, .low = 0, .high = 1});
  const double true_hv = 1.1 * 1.1 - 1.0 / 3.0;
  const Nsga2Sampler nsga2(Nsga2Options{.population = 100});
  const auto t0 = std::chrono::steady_clock::now();
  const int generations = 250;
  const auto history = testing::run_study(nsga2, s, testing::zdt1, 0, generations, 100, 2024);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(history.size(), 100u * generations);
  const double hv = testing::study_hypervolume(history, {1.1, 1.1});
  std::printf("ZDT1: hypervolume %.5f of %.5f (%.3f %%) after %d generations, %.1f s\n", hv, true_hv,
              100 * hv / true_hv, generations, secs);
  EXPECT_GT(hv, 0.99 * true_hv);
  EXPECT_LE(hv, true_hv + 1e-12);

  // The sampler kept its last replays; a fresh one replays all 250
  // generations and must find the same parents and offspring.
  const SamplerContext next{s, history, 100, 2024, generations};
  const Nsga2Sampler fresh(Nsga2Options{.population = 100});
  EXPECT_EQ(fresh.parents(next), nsga2.parents(next));
  EXPECT_EQ(fresh.propose(next), nsga2.propose(next));
}

TEST(Nsga2, ConstraintsSteerTheSearch) {
  // Minimise (x, 1 − x) subject to x >= 0.6: after a few generations the
  // parents are all feasible and every offspring stays near the boundary
  // or beyond it.
  SearchSpace s;
  s.add({.name = "x", .kind = Kind::kFloat, .low = 0, .high = 1});
  s.add({.name = "bits", .kind = Kind::kInt, .low = 2, .high = 8});
  s.add({.name = "method", .kind = Kind::kCategorical, .choices = {"rtn", "gptq", "awq"}});
  auto eval = [](const Candidate& c) {
    Observation o;
    if (c[2] == 2 && c[1] == 2) {
      o.failed = true;
      return o;
    }
    o.objectives = {c[0] + (8 - c[1]) * 0.01, 1 - c[0] + c[2] * 0.1};
    o.violation = std::max(0.6 - c[0], 0.0);
    return o;
  };
  const Nsga2Sampler nsga2(Nsga2Options{.population = 16});
  const auto history = testing::run_study(nsga2, s, eval, 0, 15, 16, 9);
  const SamplerContext next{s, history, 16, 9, 15};
  const auto parents = nsga2.parents(next);
  ASSERT_EQ(parents.size(), 16u);
  for (size_t i : parents) {
    EXPECT_FALSE(history[i].failed);
    EXPECT_EQ(history[i].violation, 0.0);
    EXPECT_EQ(history[i].x[2], 0.0) << "rtn is better in f2 at equal x";
  }
  size_t feasible = 0;
  for (size_t i = history.size() - 16; i < history.size(); ++i) feasible += history[i].violation == 0;
  EXPECT_GE(feasible, 10u);
}

}  // namespace
}  // namespace slimlm::search
