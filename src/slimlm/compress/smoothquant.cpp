#include "slimlm/compress/smoothquant.h"

#include <algorithm>
#include <cmath>

namespace slimlm::compress {

std::vector<float> smoothquant_scales(std::span<const float> act_max, std::span<const float* const> weights,
                                      std::span<const int64_t> rows, int64_t cols, double alpha) {
  std::vector<float> wmax(static_cast<size_t>(cols), 0.0f);
  for (size_t k = 0; k < weights.size(); ++k) {
    const float* w = weights[k];
    for (int64_t r = 0; r < rows[k]; ++r) {
      for (int64_t c = 0; c < cols; ++c) wmax[static_cast<size_t>(c)] = std::max(wmax[static_cast<size_t>(c)], std::fabs(w[r * cols + c]));
    }
  }
  std::vector<float> s(static_cast<size_t>(cols));
  for (int64_t c = 0; c < cols; ++c) {
    const double a = std::pow(static_cast<double>(act_max[static_cast<size_t>(c)]), alpha);
    const double w = std::pow(std::max(static_cast<double>(wmax[static_cast<size_t>(c)]), 1e-5), 1.0 - alpha);
    s[static_cast<size_t>(c)] = static_cast<float>(std::max(a / w, 1e-5));
  }
  return s;
}

}  // namespace slimlm::compress
