#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "slimlm/calib/input_stats.h"

namespace slimlm::calib {
namespace {

std::vector<float> random_rows(int64_t n, int64_t f, uint32_t seed) {
  std::mt19937 g(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n * f));
  for (auto& v : x) v = d(g);
  for (int64_t r = 0; r < n; ++r) x[static_cast<size_t>(r * f + 3)] *= 30.0f;  // an outlier channel
  return x;
}

TEST(InputStats, AccumulatesHessianAndChannelStatisticsOverChunks) {
  const int64_t F = 200, T = 16, S = 10, N = S * T;  // F spans two Gram blocks
  const std::vector<float> x = random_rows(N, F, 5);
  StatsRequest req;
  req.hessian = req.abs_sum = req.abs_max = req.sq_sum = true;
  req.keep_samples = 3;
  InputStatsAccumulator acc(F, T, S, req);
  acc.add(x.data(), 3 * T);  // uneven chunks
  acc.add(x.data() + 3 * T * F, 7 * T);
  const InputStats st = acc.finish();
  EXPECT_EQ(st.rows, N);
  EXPECT_EQ(st.kept_samples, 3);
  ASSERT_EQ(st.kept.shape(), (Shape{3 * T, F}));
  for (int64_t i = 0; i < 3 * T * F; ++i) ASSERT_EQ(st.kept.data<float>()[i], x[static_cast<size_t>(i)]);
  for (int64_t i = 0; i < F; ++i) {
    double as = 0, ss = 0;
    float am = 0;
    for (int64_t r = 0; r < N; ++r) {
      const float v = x[static_cast<size_t>(r * F + i)];
      as += std::fabs(v);
      ss += static_cast<double>(v) * v;
      am = std::max(am, std::fabs(v));
    }
    EXPECT_NEAR(st.abs_sum[static_cast<size_t>(i)], as, 1e-9 * as);
    EXPECT_NEAR(st.sq_sum[static_cast<size_t>(i)], ss, 1e-9 * ss);
    EXPECT_EQ(st.abs_max[static_cast<size_t>(i)], am);
    for (int64_t j = 0; j < F; ++j) {
      double h = 0;
      for (int64_t r = 0; r < N; ++r) h += static_cast<double>(x[static_cast<size_t>(r * F + i)]) * x[static_cast<size_t>(r * F + j)];
      ASSERT_NEAR(st.hessian[static_cast<size_t>(i * F + j)], h, 1e-5 * std::sqrt(ss * st.sq_sum[static_cast<size_t>(j)]))
          << i << "," << j;
      ASSERT_EQ(st.hessian[static_cast<size_t>(i * F + j)], st.hessian[static_cast<size_t>(j * F + i)]);
    }
  }
  EXPECT_NEAR(st.abs_mean()[3], st.abs_sum[3] / N, 1e-6);
}

TEST(InputStats, CollectsOnlyWhatIsAsked) {
  StatsRequest req;
  req.abs_max = true;
  InputStatsAccumulator acc(8, 4, 2, req);
  const std::vector<float> x = random_rows(8, 8, 1);
  acc.add(x.data(), 8);
  const InputStats st = acc.finish();
  EXPECT_FALSE(st.has_hessian());
  EXPECT_TRUE(st.abs_sum.empty());
  EXPECT_EQ(st.abs_max.size(), 8u);
  EXPECT_EQ(st.kept.numel(), 0u);
}

}  // namespace
}  // namespace slimlm::calib
