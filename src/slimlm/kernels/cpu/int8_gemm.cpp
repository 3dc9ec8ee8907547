#include "slimlm/kernels/cpu/int8_gemm.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"
#include "slimlm/kernels/cpu/int8_gemm_isa.h"

namespace slimlm::kernels {
namespace {

// Weight rows per task: a multiple of the kernels' 4-row tiles.
constexpr int64_t kRowsPerTask = 16;

}  // namespace

bool int8_vnni_available() {
  const CpuFeatures& f = cpu_features();
  return f.avx512f && f.avx512bw && f.avx512vl && f.avx512vnni;
}

void quantize_rows_int8(const float* x, int64_t M, int64_t K, int8_t* q, float* scale) {
  parallel_for(0, M, 16, [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m) {
      const float* r = x + m * K;
      float amax = 0.0f;
      for (int64_t k = 0; k < K; ++k) amax = std::max(amax, std::fabs(r[k]));
      const float s = std::max(amax, 1e-5f) / 127.0f;
      scale[m] = s;
      int8_t* o = q + m * K;
      for (int64_t k = 0; k < K; ++k) {
        o[k] = static_cast<int8_t>(std::clamp(std::nearbyint(r[k] / s), -127.0f, 127.0f));
      }
    }
  });
}

void int8_row_sums(const int8_t* qw, int64_t N, int64_t K, int32_t* sums) {
  for (int64_t n = 0; n < N; ++n) {
    int32_t s = 0;
    for (int64_t k = 0; k < K; ++k) s += qw[n * K + k];
    sums[n] = s;
  }
}

void int8_gemm(const int8_t* qx, const float* sx, const int8_t* qw, const float* sw,
               const int32_t* wsum, float* y, int64_t M, int64_t N, int64_t K) {
  int8_gemm(qx, sx, qw, sw, wsum, y, M, N, K, best_isa());
}

void int8_gemm(const int8_t* qx, const float* sx, const int8_t* qw, const float* sw,
               const int32_t* wsum, float* y, int64_t M, int64_t N, int64_t K, Isa isa) {
  const CpuFeatures& f = cpu_features();
  void (*rows)(const cpu::Int8Gemm&, int64_t, int64_t) = &cpu::int8_gemm_rows_scalar;
  switch (isa) {
    case Isa::kAvx512:
      if (!(f.avx512f && f.avx512bw)) throw DeviceError("int8_gemm: this CPU has no AVX-512");
      rows = int8_vnni_available() ? &cpu::int8_gemm_rows_vnni : &cpu::int8_gemm_rows_avx2;
      break;
    case Isa::kAvx2:
      if (!f.avx2) throw DeviceError("int8_gemm: this CPU has no AVX2");
      rows = &cpu::int8_gemm_rows_avx2;
      break;
    case Isa::kScalar: break;
  }
  const cpu::Int8Gemm g{qx, sx, qw, sw, wsum, y, M, N, K};
  parallel_for(0, N, kRowsPerTask, [&](int64_t n0, int64_t n1) { rows(g, n0, n1); });
}

}  // namespace slimlm::kernels
