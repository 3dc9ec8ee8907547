#include "slimlm/compress/owl.h"

#include <algorithm>
#include <cmath>

namespace slimlm::compress {

calib::StatsRequest OutlierRatioPass::request(calib::Stage) const {
  calib::StatsRequest r;
  r.sq_sum = true;
  return r;
}

void OutlierRatioPass::compress_layer(calib::LayerContext& ctx,
                                      std::array<calib::InputStats, calib::kNumStages>& stats) {
  std::vector<float> scores;
  for (model::Proj p : model::kAllProjs) {
    const Tensor& w = ctx.original.w(p);
    const auto& sq = stats[calib::index_of(calib::stage_of(p))].sq_sum;
    const int64_t rows = w.dim(0), cols = w.dim(1);
    const float* wp = w.data<float>();
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t j = 0; j < cols; ++j) {
        scores.push_back(std::fabs(wp[r * cols + j]) * static_cast<float>(std::sqrt(sq[static_cast<size_t>(j)])));
      }
    }
  }
  if (ratios_.size() <= static_cast<size_t>(ctx.layer)) ratios_.resize(static_cast<size_t>(ctx.layer) + 1);
  ratios_[static_cast<size_t>(ctx.layer)] = outlier_ratio(scores, m_);
}

double outlier_ratio(const std::vector<float>& scores, double m) {
  if (scores.empty()) return 0.0;
  double mean = 0;
  for (float s : scores) mean += s;
  mean /= static_cast<double>(scores.size());
  int64_t n = 0;
  for (float s : scores) n += s > m * mean;
  return static_cast<double>(n) / static_cast<double>(scores.size());
}

std::vector<double> owl_sparsity(const std::vector<double>& d, double target, double lambda) {
  std::vector<double> s(d.size(), target);
  if (d.empty()) return s;
  const auto [lo, hi] = std::minmax_element(d.begin(), d.end());
  if (*hi - *lo <= 0.0) return s;
  std::vector<double> r(d.size());
  double mean = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    r[i] = (d[i] - *lo) / (*hi - *lo) * lambda * 2.0;
    mean += r[i];
  }
  mean /= static_cast<double>(d.size());
  for (size_t i = 0; i < d.size(); ++i) s[i] = 1.0 - (r[i] - mean + (1.0 - target));
  return s;
}

}  // namespace slimlm::compress
