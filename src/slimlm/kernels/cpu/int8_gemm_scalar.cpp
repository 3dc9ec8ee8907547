#include "slimlm/kernels/cpu/int8_gemm_isa.h"

namespace slimlm::kernels::cpu {

void int8_gemm_rows_scalar(const Int8Gemm& g, int64_t n0, int64_t n1) {
  for (int64_t m = 0; m < g.M; ++m) {
    const int8_t* x = g.qx + m * g.K;
    for (int64_t n = n0; n < n1; ++n) {
      const int8_t* w = g.qw + n * g.K;
      int32_t acc = 0;
      for (int64_t k = 0; k < g.K; ++k) acc += static_cast<int32_t>(x[k]) * w[k];
      g.y[m * g.N + n] = g.sx[m] * g.sw[n] * static_cast<float>(acc);
    }
  }
}

}  // namespace slimlm::kernels::cpu
