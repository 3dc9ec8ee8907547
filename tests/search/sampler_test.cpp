#include "slimlm/search/sampler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "slimlm/core/error.h"
#include "slimlm/search/grid_sampler.h"
#include "slimlm/search/random_sampler.h"
#include "study_loop.h"

namespace slimlm::search {
namespace {

using Kind = Param::Kind;
using ::testing::HasSubstr;
using testing::run_study;

SearchSpace mixed_space(bool stepped) {
  SearchSpace s;
  s.add({.name = "method", .kind = Kind::kCategorical, .choices = {"rtn", "gptq", "awq"}});
  s.add({.name = "bits", .kind = Kind::kInt, .low = 0, .high = 10});
  s.add({.name = "ratio", .kind = Kind::kFloat, .low = 0, .high = 1, .step = stepped ? 0.25 : 0.0});
  // Grid version: 0.001, 0.334, 0.667, 1.
  s.add({.name = "lr", .kind = Kind::kFloat, .low = 1e-3, .high = 1, .step = stepped ? 0.333 : 0.0, .log = !stepped});
  return s;
}

// Two objectives with a constraint (bits > 8 is infeasible) and a failing
// corner (awq with 0 bits), so that every sampler meets all three cases.
Observation mixed_eval(const Candidate& x) {
  Observation o;
  if (x[0] == 2 && x[1] == 0) {
    o.failed = true;
    return o;
  }
  const double g = 1 + x[1] / 10 + 0.3 * x[0] + std::abs(std::log10(x[3] + 1e-3)) / 3;
  o.objectives = {x[2], g * (1 - std::sqrt(x[2] / g))};
  o.violation = std::max(x[1] - 8, 0.0);
  return o;
}

std::set<std::string> keys_of(const SearchSpace& s, const std::vector<Observation>& h) {
  std::set<std::string> keys;
  for (const Observation& o : h) keys.insert(s.key(o.x));
  return keys;
}

TEST(SamplerRegistry, NamesAndOptions) {
  EXPECT_EQ(sampler_list(), "grid, random, nsga2, tpe");
  for (const char* name : {"grid", "random", "nsga2", "tpe"}) EXPECT_EQ(make_sampler(name)->name(), name);
  auto error = [](const char* name, const char* options) {
    try {
      make_sampler(name, nlohmann::json::parse(options));
    } catch (const ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_THAT(error("cmaes", "{}"), HasSubstr("unknown sampler 'cmaes' (known: grid, random, nsga2, tpe)"));
  EXPECT_THAT(error("tpe", R"({"n_startups": 5})"), HasSubstr("sampler 'tpe': unknown option 'n_startups'"));
  EXPECT_THAT(error("nsga2", R"({"population": "big"})"), HasSubstr("option 'population' must be a non-negative integer"));
  EXPECT_THAT(error("nsga2", R"({"population": 1})"), HasSubstr("'population' must be at least 2"));
  EXPECT_THAT(error("random", R"({"seed": 1})"), HasSubstr("unknown option 'seed' (known: none)"));
  EXPECT_THAT(error("tpe", "[1]"), HasSubstr("options must be a mapping"));
  EXPECT_NO_THROW(make_sampler("nsga2", nlohmann::json::parse(R"({"population": 50, "eta_crossover": 10})")));
}

TEST(GridSampler, EnumeratesExactlyTheProduct) {
  SearchSpace s;
  s.add({.name = "method", .kind = Kind::kCategorical, .choices = {"rtn", "gptq", "awq"}});
  s.add({.name = "bits", .kind = Kind::kInt, .low = 3, .high = 4});
  s.add({.name = "ratio", .kind = Kind::kFloat, .low = 0, .high = 1, .step = 0.5});
  const GridSampler grid;
  const auto all = grid.propose({s, {}, 100, 0, 0});
  ASSERT_EQ(all.size(), 18u);
  // Lexicographic, the last parameter fastest.
  EXPECT_EQ(all[0], (Candidate{0, 3, 0}));
  EXPECT_EQ(all[1], (Candidate{0, 3, 0.5}));
  EXPECT_EQ(all[3], (Candidate{0, 4, 0}));
  EXPECT_EQ(all[17], (Candidate{2, 4, 1}));
  std::set<Candidate> distinct(all.begin(), all.end());
  std::set<Candidate> product;
  for (double m : {0, 1, 2})
    for (double b : {3, 4})
      for (double r : {0.0, 0.5, 1.0}) product.insert({m, b, r});
  EXPECT_EQ(distinct, product);
  // Skips what history holds, wherever it is.
  std::vector<Observation> history;
  for (size_t i : {0, 1, 2, 5}) history.push_back({.x = all[i], .objectives = {0}});
  const auto next = grid.propose({s, history, 3, 0, 1});
  EXPECT_EQ(next, (std::vector<Candidate>{all[3], all[4], all[6]}));
  // Exhausted: fewer than asked.
  const auto rest = run_study(grid, s, [](const Candidate&) { return Observation{.objectives = {0}}; }, 0, 10, 4, 0);
  EXPECT_EQ(rest.size(), 18u);
  EXPECT_EQ(keys_of(s, rest).size(), 18u);
  // A float without a step has no grid.
  EXPECT_THROW(grid.propose({mixed_space(false), {}, 1, 0, 0}), ConfigError);
}

TEST(RandomSampler, UniformAndLogUniform) {
  SearchSpace s;
  s.add({.name = "x", .kind = Kind::kFloat, .low = 1, .high = 10000, .log = true});
  s.add({.name = "k", .kind = Kind::kInt, .low = 0, .high = 3});
  const RandomSampler r;
  const auto c = r.propose({s, {}, 4000, 11, 0});
  ASSERT_EQ(c.size(), 4000u);
  size_t below_100 = 0, below_10 = 0;
  std::vector<size_t> k_count(4, 0);
  for (const Candidate& x : c) {
    ASSERT_GE(x[0], 1.0);
    ASSERT_LE(x[0], 10000.0);
    below_100 += x[0] < 100;
    below_10 += x[0] < 10;
    ++k_count.at(static_cast<size_t>(x[1]));
  }
  // Log-uniform: a quarter of the decades each. Binomial sd ~ 0.007.
  EXPECT_NEAR(below_100 / 4000.0, 0.5, 0.03);
  EXPECT_NEAR(below_10 / 4000.0, 0.25, 0.03);
  for (size_t n : k_count) EXPECT_NEAR(n / 4000.0, 0.25, 0.03);
}

TEST(RandomSampler, NoDuplicatesInASmallSpace) {
  SearchSpace s;
  s.add({.name = "m", .kind = Kind::kCategorical, .choices = {"a", "b", "c"}});
  s.add({.name = "b", .kind = Kind::kInt, .low = 1, .high = 4});
  std::vector<Observation> history;
  for (double m : {0, 1})
    for (double b : {1, 2, 3, 4}) history.push_back({.x = {m, b}, .objectives = {0}});
  const RandomSampler r;
  // 12 points, 8 seen: at most the 4 left, each once.
  const auto c = r.propose({s, history, 10, 5, 1});
  ASSERT_EQ(c.size(), 4u);
  for (const Candidate& x : c) EXPECT_EQ(x[0], 2);
  EXPECT_EQ(std::set<Candidate>(c.begin(), c.end()).size(), 4u);
}

class EverySampler : public ::testing::TestWithParam<const char*> {
 protected:
  std::unique_ptr<Sampler> make() const {
    const std::string name = GetParam();
    if (name == "tpe") return make_sampler(name, nlohmann::json::parse(R"({"n_startup": 8})"));
    if (name == "nsga2") return make_sampler(name, nlohmann::json::parse(R"({"population": 8})"));
    return make_sampler(name);
  }
  SearchSpace space() const { return mixed_space(std::string(GetParam()) == "grid"); }
};

TEST_P(EverySampler, DeterministicAndNeverRepeats) {
  const auto sampler = make();
  const SearchSpace s = space();
  const auto history = run_study(*sampler, s, mixed_eval, 0, 6, 8, 1234);
  ASSERT_EQ(history.size(), 48u);
  EXPECT_EQ(keys_of(s, history).size(), history.size());
  // The same context twice: the same batch.
  const SamplerContext ctx{s, history, 8, 1234, 6};
  const auto a = sampler->propose(ctx), b = sampler->propose(ctx);
  EXPECT_EQ(a, b);
  ASSERT_EQ(a.size(), 8u);
  for (const Candidate& x : a) {
    EXPECT_EQ(s.clamp(x), x);
    EXPECT_EQ(keys_of(s, history).count(s.key(x)), 0u);
  }
  if (std::string(GetParam()) != "grid") {
    // Another seed: another study.
    EXPECT_NE(run_study(*sampler, s, mixed_eval, 0, 1, 8, 99)[0].x, history[0].x);
  }
}

TEST_P(EverySampler, ResumeAfterAKillGivesTheSameStudy) {
  // Kill after k trials (mid-generation and on a boundary), reload the
  // history, go on: the study must be the uninterrupted one, trial by trial.
  const auto sampler = make();
  const SearchSpace s = space();
  const auto full = run_study(*sampler, s, mixed_eval, 0, 6, 8, 77);
  for (size_t k : {3u, 8u, 13u, 21u, 30u, 47u}) {
    std::vector<Observation> truncated(full.begin(), full.begin() + static_cast<long>(k));
    // A fresh sampler, as in a new process: nothing carried over but history.
    const auto fresh = make();
    const auto resumed = run_study(*fresh, s, mixed_eval, truncated.back().generation, 6, 8, 77, truncated);
    ASSERT_EQ(resumed.size(), full.size()) << "killed after " << k;
    for (size_t i = 0; i < full.size(); ++i) {
      EXPECT_EQ(resumed[i].x, full[i].x) << "killed after " << k << ", trial " << i;
      EXPECT_EQ(resumed[i].generation, full[i].generation);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Samplers, EverySampler, ::testing::Values("grid", "random", "nsga2", "tpe"));

}  // namespace
}  // namespace slimlm::search
