#include "slimlm/kernels/ref/int8_ref.h"

namespace slimlm::kernels::ref {

void int8_gemm(const int8_t* qx, const float* sx, const int8_t* qw, const float* sw, float* y,
               int64_t M, int64_t N, int64_t K) {
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < N; ++n) {
      int64_t acc = 0;
      for (int64_t k = 0; k < K; ++k) acc += static_cast<int64_t>(qx[m * K + k]) * qw[n * K + k];
      y[m * N + n] = static_cast<float>(static_cast<double>(sx[m]) * sw[n] * static_cast<double>(acc));
    }
  }
}

}  // namespace slimlm::kernels::ref
