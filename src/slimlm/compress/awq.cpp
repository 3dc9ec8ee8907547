#include "slimlm/compress/awq.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "slimlm/core/threads.h"
#include "slimlm/quant/pack.h"

namespace slimlm::compress {

std::vector<float> awq_scales(std::span<const float> x_abs_mean, double alpha) {
  std::vector<float> s(x_abs_mean.size());
  float lo = std::numeric_limits<float>::max(), hi = 0.0f;
  for (size_t j = 0; j < s.size(); ++j) {
    s[j] = std::max(static_cast<float>(std::pow(static_cast<double>(x_abs_mean[j]), alpha)), 1e-4f);
    lo = std::min(lo, s[j]);
    hi = std::max(hi, s[j]);
  }
  const float norm = std::sqrt(hi * lo);
  for (float& v : s) v /= norm;
  return s;
}

void awq_fake_quantize(float* w, int64_t rows, int64_t cols, std::span<const float> s,
                       quant::QuantFormat f) {
  const quant::FormatTraits& t = quant::format_traits(f);
  const int64_t gl = t.group_length(cols), groups = t.groups_per_row(cols);
  const quant::ClipSearch no_clip;
  parallel_for(0, rows, 8, [&](int64_t r0, int64_t r1) {
    std::vector<float> buf(static_cast<size_t>(cols));
    for (int64_t r = r0; r < r1; ++r) {
      float* row = w + r * cols;
      for (int64_t c = 0; c < cols; ++c) buf[static_cast<size_t>(c)] = row[c] * s[static_cast<size_t>(c)];
      for (int64_t g = 0; g < groups; ++g) {
        const float* wg = buf.data() + g * gl;
        const quant::GroupParams p = quant::fit_group(t, wg, gl, no_clip);
        for (int64_t i = 0; i < gl; ++i) {
          const int64_t c = g * gl + i;
          row[c] = quant::decode_value(t, quant::encode(t, wg[i], p), p.scale, p.zero) / s[static_cast<size_t>(c)];
        }
      }
    }
  });
}

std::vector<float> awq_clip(float* w, int64_t rows, int64_t cols, std::span<const double> h,
                            quant::QuantFormat f, int grid, double max_shrink) {
  const quant::FormatTraits& t = quant::format_traits(f);
  const int64_t gl = t.group_length(cols), groups = t.groups_per_row(cols);
  const int steps = static_cast<int>(max_shrink * grid);
  // Each group's block of the Hessian, in f32 (the errors compared are
  // relative within a group).
  std::vector<float> hg(static_cast<size_t>(groups * gl * gl));
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t i = 0; i < gl; ++i) {
      for (int64_t j = 0; j < gl; ++j) {
        hg[static_cast<size_t>((g * gl + i) * gl + j)] =
            static_cast<float>(h[static_cast<size_t>((g * gl + i) * cols + g * gl + j)]);
      }
    }
  }
  std::vector<float> best_max(static_cast<size_t>(rows * groups));
  const quant::ClipSearch no_clip;
  parallel_for(0, rows, 4, [&](int64_t r0, int64_t r1) {
    std::vector<float> cand(static_cast<size_t>(gl)), d(static_cast<size_t>(gl));
    for (int64_t r = r0; r < r1; ++r) {
      for (int64_t g = 0; g < groups; ++g) {
        float* wg = w + r * cols + g * gl;
        const float* H = hg.data() + g * gl * gl;
        float amax = 0.0f;
        for (int64_t i = 0; i < gl; ++i) amax = std::max(amax, std::fabs(wg[i]));
        float best = amax;
        double best_err = std::numeric_limits<double>::infinity();
        for (int k = 0; k < steps && amax > 0.0f; ++k) {
          const float m = amax * static_cast<float>(1.0 - static_cast<double>(k) / grid);
          for (int64_t i = 0; i < gl; ++i) cand[static_cast<size_t>(i)] = std::clamp(wg[i], -m, m);
          const quant::GroupParams p = quant::fit_group(t, cand.data(), gl, no_clip);
          for (int64_t i = 0; i < gl; ++i) {
            d[static_cast<size_t>(i)] =
                quant::decode_value(t, quant::encode(t, cand[static_cast<size_t>(i)], p), p.scale, p.zero) - wg[i];
          }
          // dᵀ H d: the squared output error of the group over the tokens.
          double err = 0;
          for (int64_t i = 0; i < gl; ++i) {
            const float* hr = H + i * gl;
            float acc = 0.0f;
            for (int64_t j = 0; j < gl; ++j) acc += hr[j] * d[static_cast<size_t>(j)];
            err += static_cast<double>(acc) * d[static_cast<size_t>(i)];
          }
          if (err < best_err) {
            best_err = err;
            best = m;
          }
        }
        for (int64_t i = 0; i < gl; ++i) wg[i] = std::clamp(wg[i], -best, best);
        best_max[static_cast<size_t>(r * groups + g)] = best;
      }
    }
  });
  return best_max;
}

}  // namespace slimlm::compress
