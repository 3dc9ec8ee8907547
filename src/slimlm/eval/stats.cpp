#include "slimlm/eval/stats.h"

#include <algorithm>
#include <cmath>

namespace slimlm::eval {

MeanUnc mean_and_uncertainty(double sum, double sum2, uint64_t n) {
  if (n == 0) return {};
  const double N = static_cast<double>(n);
  MeanUnc r;
  r.mean = sum / N;
  const double var = sum2 / N - r.mean * r.mean;
  r.unc = (n > 1 && var > 0.0) ? std::sqrt(var / (N - 1.0)) : 0.0;
  return r;
}

double covariance_of_means(double sum_a, double sum_b, double sum_ab, uint64_t n) {
  if (n < 2) return 0.0;
  const double N = static_cast<double>(n);
  return (sum_ab / N - (sum_a / N) * (sum_b / N)) / (N - 1.0);
}

double percentile_sorted(std::span<const float> sorted, double fraction) {
  if (sorted.empty()) return 0.0;
  if (fraction <= 0.0) return sorted.front();
  if (fraction >= 1.0) return sorted.back();
  const double pos = fraction * static_cast<double>(sorted.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  const double w = pos - static_cast<double>(i);
  const size_t j = std::min(i + 1, sorted.size() - 1);
  return (1.0 - w) * sorted[i] + w * sorted[j];
}

MeanSd mean_sd(std::span<const double> values) {
  MeanSd r;
  if (values.empty()) return r;
  double sum = 0.0;
  for (double v : values) sum += v;
  r.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) return r;
  double ss = 0.0;
  for (double v : values) ss += (v - r.mean) * (v - r.mean);
  r.sd = std::sqrt(ss / static_cast<double>(values.size() - 1));
  return r;
}

}  // namespace slimlm::eval
