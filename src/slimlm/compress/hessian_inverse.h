#pragma once
// The Hessian machinery of GPTQ (Frantar et al. 2023) and SparseGPT
// (Frantar & Alistarh 2023), shared by both: from H = Σ x xᵀ of a Linear's
// inputs, the upper Cholesky factor U of the damped inverse,
// (H + λI)⁻¹ = Uᵀ U, whose rows drive the column-by-column updates.
//
// As the reference code (IST-DASLab/gptq, gptq.py fasterquant):
//   dead columns (H_jj = 0: an input that is always zero) get H_jj = 1, and
//     the caller zeroes their weights;
//   act-order permutes the columns by descending H_jj;
//   λ = damp · mean(diag H); the factorization runs in f64 (LAPACK potrf /
//     potri / potrf), and when H + λI is not positive definite it is retried
//     with the damping doubled (at least 0.001), up to kMaxDampRetries times.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace slimlm::compress {

inline constexpr int kMaxDampRetries = 10;

struct HessianInverseOptions {
  double damp = 0.01;      // fraction of the mean diagonal added to it
  bool act_order = false;  // process columns by descending H_jj
};

struct HessianInverse {
  int64_t cols = 0;
  std::vector<int32_t> perm;  // processing order: column i of the factor is input perm[i]
  std::vector<uint8_t> dead;  // per input column
  std::vector<float> upper;   // [cols, cols] row-major, upper triangle of U; zero below
  double damp_used = 0;       // the damping fraction that succeeded
  int retries = 0;

  float at(int64_t i, int64_t j) const { return upper[static_cast<size_t>(i * cols + j)]; }
  const float* row(int64_t i) const { return upper.data() + i * cols; }
  int64_t dead_count() const;
};

// h: [cols, cols] symmetric, any positive scale. Throws Error naming `what`
// when even the most damped matrix cannot be factored (a non-finite H).
HessianInverse hessian_inverse(std::span<const double> h, int64_t cols,
                               const HessianInverseOptions& opt, std::string_view what);

// Σ‖x(w' − w)ᵀ‖² / Σ‖x wᵀ‖² over the inputs H = Σ x xᵀ describes:
// tr(ΔW H ΔWᵀ) / tr(W H Wᵀ) for w, w_new f32 [rows, cols]. 0 when W H Wᵀ
// vanishes.
double relative_output_error(const float* w, const float* w_new, int64_t rows, int64_t cols,
                             std::span<const double> h);

// tr(ΔW H ΔWᵀ) alone: the summed squared output error.
double output_error_sq(const float* w, const float* w_new, int64_t rows, int64_t cols,
                       std::span<const double> h);

// Σ(w' − w)² / Σw².
double relative_weight_error(const float* w, const float* w_new, int64_t n);

}  // namespace slimlm::compress
