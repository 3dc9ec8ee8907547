#include "slimlm/compress/hessian_inverse.h"

#include <lapacke.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"
#include "slimlm/kernels/cpu/matmul.h"

namespace slimlm::compress {
namespace {

// The smallest damping a retry uses (a zero --damp cannot double).
constexpr double kMinRetryDamp = 1e-3;

// Rows of W per task of the error products.
constexpr int64_t kErrorRows = 64;

// LAPACK on the f64 matrix a (column-major n × n, symmetric in full):
// returns false when a + λI is not positive definite at some step.
bool damped_inverse_factor(std::vector<double>& a, int64_t n) {
  const auto N = static_cast<lapack_int>(n);
  // H = L Lᵀ, then H⁻¹ from L (lower triangle), then H⁻¹ = Uᵀ U.
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'L', N, a.data(), N) != 0) return false;
  if (LAPACKE_dpotri(LAPACK_COL_MAJOR, 'L', N, a.data(), N) != 0) return false;
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t i = j + 1; i < n; ++i) a[static_cast<size_t>(j + i * n)] = a[static_cast<size_t>(i + j * n)];
  }
  if (LAPACKE_dpotrf(LAPACK_COL_MAJOR, 'U', N, a.data(), N) != 0) return false;
  for (double v : a) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

// Σ (D H) ∘ D for D f32 [rows, cols], H f32 [cols, cols].
double quadratic_trace(const float* d, int64_t rows, int64_t cols, const float* hf) {
  const int64_t tasks = (rows + kErrorRows - 1) / kErrorRows;
  std::vector<double> part(static_cast<size_t>(tasks), 0.0);
  parallel_for(0, tasks, 1, [&](int64_t t0, int64_t t1) {
    std::vector<float> e(static_cast<size_t>(kErrorRows * cols));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t r0 = t * kErrorRows, r = std::min(kErrorRows, rows - r0);
      kernels::sgemm_serial(false, false, r, cols, cols, 1.0f, d + r0 * cols, cols, hf, cols, 0.0f,
                            e.data(), cols);
      double acc = 0;
      for (int64_t i = 0; i < r * cols; ++i) acc += static_cast<double>(e[static_cast<size_t>(i)]) * d[r0 * cols + i];
      part[static_cast<size_t>(t)] = acc;
    }
  });
  return std::accumulate(part.begin(), part.end(), 0.0);
}

}  // namespace

int64_t HessianInverse::dead_count() const {
  return std::count(dead.begin(), dead.end(), uint8_t{1});
}

HessianInverse hessian_inverse(std::span<const double> h, int64_t cols,
                               const HessianInverseOptions& opt, std::string_view what) {
  if (static_cast<int64_t>(h.size()) != cols * cols) {
    throw Error(fmt::format("{}: Hessian has {} entries for {} columns", what, h.size(), cols));
  }
  HessianInverse r;
  r.cols = cols;
  r.dead.assign(static_cast<size_t>(cols), 0);
  std::vector<double> diag(static_cast<size_t>(cols));
  for (int64_t j = 0; j < cols; ++j) {
    const double d = h[static_cast<size_t>(j * cols + j)];
    if (!std::isfinite(d)) {
      throw Error(fmt::format("{}: the calibration inputs' Hessian is not finite (column {})", what, j));
    }
    r.dead[static_cast<size_t>(j)] = d == 0.0;
    diag[static_cast<size_t>(j)] = d == 0.0 ? 1.0 : d;
  }
  r.perm.resize(static_cast<size_t>(cols));
  std::iota(r.perm.begin(), r.perm.end(), 0);
  if (opt.act_order) {
    std::stable_sort(r.perm.begin(), r.perm.end(), [&](int32_t a, int32_t b) {
      return diag[static_cast<size_t>(a)] > diag[static_cast<size_t>(b)];
    });
  }
  const double mean_diag = std::accumulate(diag.begin(), diag.end(), 0.0) / static_cast<double>(cols);

  double damp = opt.damp;
  std::vector<double> a(static_cast<size_t>(cols * cols));
  for (int attempt = 0; attempt <= kMaxDampRetries; ++attempt, damp = std::max(2 * damp, kMinRetryDamp)) {
    // The permuted, damped H (symmetric: row- and column-major alike).
    for (int64_t i = 0; i < cols; ++i) {
      const int64_t pi = r.perm[static_cast<size_t>(i)];
      for (int64_t j = 0; j < cols; ++j) {
        const int64_t pj = r.perm[static_cast<size_t>(j)];
        a[static_cast<size_t>(i * cols + j)] = pi == pj ? diag[static_cast<size_t>(pi)] : h[static_cast<size_t>(pi * cols + pj)];
      }
      a[static_cast<size_t>(i * cols + i)] += damp * mean_diag;
    }
    r.damp_used = damp;
    if (!damped_inverse_factor(a, cols)) continue;
    r.retries = attempt;
    r.upper.assign(static_cast<size_t>(cols * cols), 0.0f);
    for (int64_t i = 0; i < cols; ++i) {
      for (int64_t j = i; j < cols; ++j) {
        r.upper[static_cast<size_t>(i * cols + j)] = static_cast<float>(a[static_cast<size_t>(i + j * cols)]);
      }
    }
    return r;
  }
  throw Error(fmt::format("{}: the Hessian stays singular even with damping {} of its mean diagonal",
                          what, r.damp_used));
}

double output_error_sq(const float* w, const float* w_new, int64_t rows, int64_t cols,
                       std::span<const double> h) {
  std::vector<float> hf(h.size());
  for (size_t i = 0; i < h.size(); ++i) hf[i] = static_cast<float>(h[i]);
  std::vector<float> d(static_cast<size_t>(rows * cols));
  for (size_t i = 0; i < d.size(); ++i) d[i] = w_new[i] - w[i];
  return quadratic_trace(d.data(), rows, cols, hf.data());
}

double relative_output_error(const float* w, const float* w_new, int64_t rows, int64_t cols,
                             std::span<const double> h) {
  const double num = output_error_sq(w, w_new, rows, cols, h);
  std::vector<float> hf(h.size());
  for (size_t i = 0; i < h.size(); ++i) hf[i] = static_cast<float>(h[i]);
  const double den = quadratic_trace(w, rows, cols, hf.data());
  return den > 0 ? num / den : 0.0;
}

double relative_weight_error(const float* w, const float* w_new, int64_t n) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(w_new[i]) - w[i];
    num += d * d;
    den += static_cast<double>(w[i]) * w[i];
  }
  return den > 0 ? num / den : 0.0;
}

}  // namespace slimlm::compress
