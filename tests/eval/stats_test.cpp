#include "slimlm/eval/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "slimlm/eval/perplexity.h"

namespace slimlm::eval {
namespace {

TEST(Stats, MeanAndUncertainty) {
  // Values 1, 2, 3, 4: mean 2.5, E[x²] = 7.5, var (population) 1.25,
  // uncertainty sqrt(1.25 / 3).
  const MeanUnc m = mean_and_uncertainty(10.0, 30.0, 4);
  EXPECT_DOUBLE_EQ(m.mean, 2.5);
  EXPECT_NEAR(m.unc, std::sqrt(1.25 / 3.0), 1e-15);
  EXPECT_EQ(mean_and_uncertainty(5.0, 25.0, 1).unc, 0.0);
  EXPECT_EQ(mean_and_uncertainty(0.0, 0.0, 0).mean, 0.0);
  EXPECT_EQ(mean_and_uncertainty(6.0, 12.0, 3).unc, 0.0);  // all equal
}

TEST(Stats, Covariance) {
  // a = 1,2,3; b = 2,4,6: cov_pop = 4/3, over n-1 = 2 -> 2/3.
  EXPECT_NEAR(covariance_of_means(6, 12, 28, 3), (28.0 / 3 - 2.0 * 4.0) / 2.0, 1e-15);
  EXPECT_EQ(covariance_of_means(1, 1, 1, 1), 0.0);
}

TEST(Stats, PercentileInterpolates) {
  const std::vector<float> v = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.5), 5.0);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 0.0), 0.0);
  EXPECT_DOUBLE_EQ(percentile_sorted(v, 1.0), 10.0);
  EXPECT_NEAR(percentile_sorted(v, 0.99), 9.9, 1e-6);
  const std::vector<float> even = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(percentile_sorted(even, 0.5), 2.5);  // the median of an even count
  EXPECT_EQ(percentile_sorted(std::vector<float>{}, 0.5), 0.0);
}

TEST(Stats, MeanSd) {
  const std::vector<double> v = {2, 4, 4, 4, 5, 5, 7, 9};
  const MeanSd s = mean_sd(v);
  EXPECT_DOUBLE_EQ(s.mean, 5.0);
  EXPECT_NEAR(s.sd, std::sqrt(32.0 / 7.0), 1e-12);
  EXPECT_EQ(mean_sd(std::vector<double>{3.0}).sd, 0.0);
}

TEST(Stats, PerplexityAccumulatorMatchesLlamaCppFormula) {
  PerplexityAccumulator acc;
  const std::vector<double> nll = {1.0, 2.0, 3.0, 6.0};
  for (double v : nll) acc.add(v);
  EXPECT_EQ(acc.count(), 4u);
  EXPECT_DOUBLE_EQ(acc.mean_nll(), 3.0);
  EXPECT_NEAR(acc.ppl(), std::exp(3.0), 1e-12);
  // E[x²] = 50/4 = 12.5, var = 3.5, stderr(ln ppl) = sqrt(3.5/3).
  EXPECT_NEAR(acc.ppl_stderr(), std::exp(3.0) * std::sqrt(3.5 / 3.0), 1e-9);
}

}  // namespace
}  // namespace slimlm::eval
