#include "slimlm/kernels/cpu/matmul.h"

#include <cblas.h>

#include <algorithm>
#include <mutex>

#include "slimlm/core/threads.h"
#include "slimlm/kernels/cpu/gemv_isa.h"

namespace slimlm::kernels {
namespace {

using RowKernel = void (*)(const float*, const float*, float*, int64_t, int64_t);

RowKernel row_kernel(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return &cpu::gemv_rows_f32_avx512;
    case Isa::kAvx2: return &cpu::gemv_rows_f32_avx2;
    case Isa::kScalar: break;
  }
  return &cpu::gemv_rows_f32_scalar;
}

void blas_single_threaded() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

// Columns of the output per thread: multiples of this keep OpenBLAS's
// micro-kernel on full tiles; below it a product is not worth splitting.
constexpr int64_t kSplitN = 64;
constexpr int64_t kSplitM = 32;

}  // namespace

void gemv_f32(const float* w, const float* x, float* y, int64_t N, int64_t K, Isa isa) {
  const RowKernel kernel = row_kernel(isa);
  // About 64 KiB of weights per task: big enough to amortise the hand-off.
  const int64_t grain = K > 0 ? std::max<int64_t>(4, (16384 / K + 3) / 4 * 4) : N;
  parallel_for(0, N, grain, [&](int64_t begin, int64_t end) {
    kernel(w + begin * K, x, y + begin, end - begin, K);
  });
}

void gemv_f32(const float* w, const float* x, float* y, int64_t N, int64_t K) {
  gemv_f32(w, x, y, N, K, best_isa());
}

void sgemm_serial(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                  int64_t ldc) {
  if (M == 0 || N == 0) return;
  blas_single_threaded();
  cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, static_cast<blasint>(M),
              static_cast<blasint>(N), static_cast<blasint>(K), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

void matmul_f32(const float* x, const float* w, float* y, int64_t M, int64_t N, int64_t K) {
  if (M == 1) {
    gemv_f32(w, x, y, N, K);
    return;
  }
  if (M == 0 || N == 0) return;
  const int64_t threads = num_threads();
  if (N >= kSplitN * threads || M < kSplitM * threads) {
    // Split the weight rows (output columns): each thread packs its own
    // slice of w once and streams all of x past it.
    const int64_t blocks = (N + kSplitN - 1) / kSplitN;
    parallel_for(0, blocks, 1, [&](int64_t b, int64_t e) {
      const int64_t n0 = b * kSplitN, n1 = std::min(N, e * kSplitN);
      sgemm_serial(false, true, M, n1 - n0, K, 1.0f, x, K, w + n0 * K, K, 0.0f, y + n0, N);
    });
  } else {
    parallel_for(0, M, kSplitM, [&](int64_t b, int64_t e) {
      sgemm_serial(false, true, e - b, N, K, 1.0f, x + b * K, K, w, K, 0.0f, y + b * N, N);
    });
  }
}

}  // namespace slimlm::kernels
