#pragma once
// What compressors learn about a Linear's input from the calibration set:
// the Hessian Σ x xᵀ (GPTQ, SparseGPT; AWQ's clip search and linear-block
// losses), per-channel Σ|x| (AWQ's scales), max|x| (SmoothQuant), Σ x²
// (Wanda's ‖X_j‖₂), and optionally the raw rows of the first few sequences
// (AWQ's block-output search).
//
// The Hessian is formed per chunk of rows in f32 by sgemm (a chunk's sums
// stay short enough for f32) and accumulated across chunks in f64, so a
// hundred thousand calibration tokens lose nothing to rounding.
#include <cstdint>
#include <vector>

#include "slimlm/core/tensor.h"

namespace slimlm::calib {

struct StatsRequest {
  bool hessian = false;
  bool abs_sum = false;
  bool abs_max = false;
  bool sq_sum = false;
  int64_t keep_samples = 0;  // raw inputs of this many leading sequences

  StatsRequest& operator|=(const StatsRequest& o);
  bool any() const { return hessian || abs_sum || abs_max || sq_sum || keep_samples > 0; }
};

struct InputStats {
  int64_t features = 0;
  int64_t rows = 0;              // tokens seen
  std::vector<double> hessian;   // [features, features] Σ x xᵀ, symmetric (empty if not asked)
  std::vector<double> abs_sum;   // [features] Σ |x_j|
  std::vector<double> sq_sum;    // [features] Σ x_j²
  std::vector<float> abs_max;    // [features] max |x_j|
  Tensor kept;                   // f32 [kept_samples * seq_len, features]
  int64_t kept_samples = 0;

  // Σ|x_j| / rows (AWQ's get_act_scale).
  std::vector<float> abs_mean() const;
  bool has_hessian() const { return !hessian.empty(); }
};

class InputStatsAccumulator {
 public:
  // seq_len: rows per sequence (for keep_samples); total_samples bounds how
  // many sequences can be kept.
  InputStatsAccumulator(int64_t features, int64_t seq_len, int64_t total_samples,
                        const StatsRequest& request);

  // Adds n rows x[n, features], in calibration order.
  void add(const float* x, int64_t n);
  // The statistics; the accumulator is spent afterwards.
  InputStats finish();

 private:
  int64_t features_, seq_len_;
  StatsRequest request_;
  InputStats stats_;
  int64_t kept_rows_ = 0;
  std::vector<float> gram_;  // one chunk's Σ x xᵀ (upper triangle)
};

// G[i, j] for j >= i (row-major [n, n], lower triangle untouched) =
// Σ_r x[r, i] x[r, j] over rows x[rows, n], on all threads.
void gram_upper_f32(const float* x, int64_t rows, int64_t n, float* g);

}  // namespace slimlm::calib
