// Constraint violations: relative excess per bound, their sum, missing
// metrics, the accuracy drop against the original and latency from speed.
#include <gtest/gtest.h>

#include <cmath>

#include "slimlm/search/constraints.h"

namespace slimlm::search {
namespace {

SpeedConfig speed32() {
  SpeedConfig s;
  s.decode = 32;
  return s;
}

TEST(Constraints, RelativeExcess) {
  EXPECT_DOUBLE_EQ(relative_excess(150, 100, true), 0.5);
  EXPECT_DOUBLE_EQ(relative_excess(100, 100, true), 0.0);
  EXPECT_DOUBLE_EQ(relative_excess(80, 100, true), 0.0);
  EXPECT_DOUBLE_EQ(relative_excess(80, 100, false), 0.2);
  EXPECT_DOUBLE_EQ(relative_excess(120, 100, false), 0.0);
  EXPECT_DOUBLE_EQ(relative_excess(-0.5, -1.0, true), 0.5);  // |bound| normalises
  EXPECT_DOUBLE_EQ(relative_excess(0.25, 0.0, true), 0.25);  // zero bound: absolute
}

TEST(Constraints, NoneConfiguredIsFeasible) {
  const ConstraintsConfig c;
  EXPECT_TRUE(check_constraints(c, speed32(), {{"model/file_bytes", 1e9}}, {}).empty());
  EXPECT_EQ(constraint_violation(c, speed32(), {}, {}), 0.0);
}

TEST(Constraints, MaxBytes) {
  ConstraintsConfig c;
  c.max_bytes = 3'000'000;
  EXPECT_EQ(constraint_violation(c, speed32(), {{"model/file_bytes", 2'999'999}}, {}), 0.0);
  EXPECT_EQ(constraint_violation(c, speed32(), {{"model/file_bytes", 3'000'000}}, {}), 0.0);
  EXPECT_DOUBLE_EQ(constraint_violation(c, speed32(), {{"model/file_bytes", 4'500'000}}, {}), 0.5);
  const auto checks = check_constraints(c, speed32(), {{"model/file_bytes", 4'500'000}}, {});
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].name, "max_bytes");
  EXPECT_EQ(checks[0].metric, "model/file_bytes");
  EXPECT_NE(describe_violations(checks).find("+50%"), std::string::npos) << describe_violations(checks);
}

TEST(Constraints, MaxPplRatio) {
  ConstraintsConfig c;
  c.max_ppl_ratio = 1.5;
  EXPECT_EQ(constraint_violation(c, speed32(), {{"kld/ppl_ratio", 1.2}}, {}), 0.0);
  EXPECT_DOUBLE_EQ(constraint_violation(c, speed32(), {{"kld/ppl_ratio", 1.8}}, {}), 0.2);
}

TEST(Constraints, MinMetricAndMaxMetric) {
  ConstraintsConfig c;
  c.min_metric = {{"speed/tg32", 100}};
  c.max_metric = {{"kld/mean", 0.5}};
  // 80 tokens/s is 20 % short of 100; KLD 0.75 is 50 % over 0.5.
  EXPECT_DOUBLE_EQ(constraint_violation(c, speed32(), {{"speed/tg32", 80}, {"kld/mean", 0.75}}, {}), 0.7);
  EXPECT_DOUBLE_EQ(constraint_violation(c, speed32(), {{"speed/tg32", 120}, {"kld/mean", 0.75}}, {}), 0.5);
  EXPECT_EQ(constraint_violation(c, speed32(), {{"speed/tg32", 120}, {"kld/mean", 0.1}}, {}), 0.0);
  // The short name resolves to the decode row of this config.
  ConstraintsConfig d;
  d.min_metric = {{"speed/decode_tps", 100}};
  EXPECT_DOUBLE_EQ(constraint_violation(d, speed32(), {{"speed/tg32", 50}}, {}), 0.5);
}

TEST(Constraints, MissingMetricCountsAsViolated) {
  ConstraintsConfig c;
  c.max_ppl_ratio = 1.5;
  c.max_bytes = 1000;
  const auto checks = check_constraints(c, speed32(), {{"model/file_bytes", 500}, {"kld/ppl_ratio", std::nan("")}}, {});
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_TRUE(checks[0].missing);
  EXPECT_DOUBLE_EQ(checks[0].excess, 1.0);
  EXPECT_FALSE(checks[1].missing);
  EXPECT_DOUBLE_EQ(total_violation(checks), 1.0);
  EXPECT_NE(describe_violations(checks).find("not measured"), std::string::npos);
}

TEST(Constraints, AccuracyDropAgainstOriginal) {
  ConstraintsConfig c;
  c.max_accuracy_drop = MetricBound{"hellaswag/acc_norm", 0.02};
  const MetricValues original = {{"hellaswag/acc_norm", 0.60}};
  EXPECT_EQ(constraint_violation(c, speed32(), {{"hellaswag/acc_norm", 0.59}}, original), 0.0);
  EXPECT_EQ(constraint_violation(c, speed32(), {{"hellaswag/acc_norm", 0.65}}, original), 0.0);  // a gain
  // Drop 0.05 against an allowed 0.02: 150 % over.
  EXPECT_NEAR(constraint_violation(c, speed32(), {{"hellaswag/acc_norm", 0.55}}, original), 1.5, 1e-9);
  // Without the original's value the drop is unknown.
  EXPECT_DOUBLE_EQ(constraint_violation(c, speed32(), {{"hellaswag/acc_norm", 0.55}}, {}), 1.0);
}

TEST(Constraints, LatencyFromDecodeSpeed) {
  ConstraintsConfig c;
  c.max_latency_ms = 10;  // needs >= 100 tokens/s
  EXPECT_EQ(constraint_violation(c, speed32(), {{"speed/tg32", 125}}, {}), 0.0);
  EXPECT_DOUBLE_EQ(constraint_violation(c, speed32(), {{"speed/tg32", 50}}, {}), 1.0);  // 20 ms: +100 %
}

TEST(Constraints, ViolationsAdd) {
  ConstraintsConfig c;
  c.max_bytes = 100;
  c.max_peak_memory = 1000;
  c.max_co2_g = 2;
  const MetricValues m = {{"model/file_bytes", 110}, {"memory/peak_rss", 1500}, {"energy/co2_grams", 1}};
  EXPECT_NEAR(constraint_violation(c, speed32(), m, {}), 0.1 + 0.5, 1e-12);
}

}  // namespace
}  // namespace slimlm::search
