#include "slimlm/calib/input_stats.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include "slimlm/core/threads.h"
#include "slimlm/kernels/cpu/matmul.h"

namespace slimlm::calib {
namespace {

// Rows of G per task of the Gram product: big enough for sgemm to run at
// full speed, small enough to balance the triangle over threads.
constexpr int64_t kGramBlock = 128;
// Columns per task of the per-channel sums.
constexpr int64_t kChannelBlock = 256;

}  // namespace

StatsRequest& StatsRequest::operator|=(const StatsRequest& o) {
  hessian = hessian || o.hessian;
  abs_sum = abs_sum || o.abs_sum;
  abs_max = abs_max || o.abs_max;
  sq_sum = sq_sum || o.sq_sum;
  keep_samples = std::max(keep_samples, o.keep_samples);
  return *this;
}

std::vector<float> InputStats::abs_mean() const {
  std::vector<float> m(abs_sum.size());
  for (size_t i = 0; i < m.size(); ++i) {
    m[i] = rows > 0 ? static_cast<float>(abs_sum[i] / static_cast<double>(rows)) : 0.0f;
  }
  return m;
}

void gram_upper_f32(const float* x, int64_t rows, int64_t n, float* g) {
  const int64_t blocks = (n + kGramBlock - 1) / kGramBlock;
  std::atomic<int64_t> next{0};
  // Blocks handed out first to last: the first rows of the triangle are the
  // longest, so the dynamic order balances the threads.
  parallel_for(0, num_threads(), 1, [&](int64_t, int64_t) {
    for (int64_t b; (b = next.fetch_add(1, std::memory_order_relaxed)) < blocks;) {
      const int64_t i0 = b * kGramBlock, i1 = std::min(n, i0 + kGramBlock);
      kernels::sgemm_serial(/*trans_a=*/true, /*trans_b=*/false, i1 - i0, n - i0, rows, 1.0f,
                            x + i0, n, x + i0, n, 0.0f, g + i0 * n + i0, n);
    }
  });
}

InputStatsAccumulator::InputStatsAccumulator(int64_t features, int64_t seq_len,
                                             int64_t total_samples, const StatsRequest& request)
    : features_(features), seq_len_(seq_len), request_(request) {
  stats_.features = features;
  const auto f = static_cast<size_t>(features);
  if (request.hessian) {
    stats_.hessian.assign(f * f, 0.0);
    gram_.resize(f * f);
  }
  if (request.abs_sum) stats_.abs_sum.assign(f, 0.0);
  if (request.sq_sum) stats_.sq_sum.assign(f, 0.0);
  if (request.abs_max) stats_.abs_max.assign(f, 0.0f);
  stats_.kept_samples = std::min(request.keep_samples, total_samples);
  if (stats_.kept_samples > 0) {
    stats_.kept = Tensor::empty(DType::kF32, {stats_.kept_samples * seq_len, features});
  }
}

void InputStatsAccumulator::add(const float* x, int64_t n) {
  const int64_t F = features_;
  if (request_.hessian) {
    gram_upper_f32(x, n, F, gram_.data());
    double* h = stats_.hessian.data();
    const float* g = gram_.data();
    parallel_for(0, F, 16, [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) {
        for (int64_t j = i; j < F; ++j) h[i * F + j] += g[i * F + j];
      }
    });
  }
  if (request_.abs_sum || request_.sq_sum || request_.abs_max) {
    parallel_for(0, F, kChannelBlock, [&](int64_t c0, int64_t c1) {
      for (int64_t r = 0; r < n; ++r) {
        const float* row = x + r * F;
        for (int64_t c = c0; c < c1; ++c) {
          const float v = row[c], a = std::fabs(v);
          if (request_.abs_sum) stats_.abs_sum[static_cast<size_t>(c)] += a;
          if (request_.sq_sum) stats_.sq_sum[static_cast<size_t>(c)] += static_cast<double>(v) * v;
          if (request_.abs_max) {
            float& m = stats_.abs_max[static_cast<size_t>(c)];
            m = std::max(m, a);
          }
        }
      }
    });
  }
  const int64_t keep_total = stats_.kept_samples * seq_len_;
  if (kept_rows_ < keep_total) {
    const int64_t take = std::min(n, keep_total - kept_rows_);
    std::memcpy(stats_.kept.mutable_data<float>() + kept_rows_ * F, x,
                static_cast<size_t>(take * F) * sizeof(float));
    kept_rows_ += take;
  }
  stats_.rows += n;
}

InputStats InputStatsAccumulator::finish() {
  if (request_.hessian) {
    const int64_t F = features_;
    double* h = stats_.hessian.data();
    for (int64_t i = 0; i < F; ++i) {
      for (int64_t j = i + 1; j < F; ++j) h[j * F + i] = h[i * F + j];
    }
  }
  gram_.clear();
  gram_.shrink_to_fit();
  return std::move(stats_);
}

}  // namespace slimlm::calib
