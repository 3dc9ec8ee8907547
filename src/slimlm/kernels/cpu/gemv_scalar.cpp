#include "slimlm/kernels/cpu/gemv_isa.h"

namespace slimlm::kernels::cpu {

void gemv_rows_f32_scalar(const float* w, const float* x, float* y, int64_t rows, int64_t K) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* wr = w + r * K;
    // Eight partial sums let the compiler vectorise with the baseline ISA.
    float acc[8] = {};
    int64_t k = 0;
    for (; k + 8 <= K; k += 8) {
      for (int j = 0; j < 8; ++j) acc[j] += wr[k + j] * x[k + j];
    }
    float s = 0.f;
    for (int j = 0; j < 8; ++j) s += acc[j];
    for (; k < K; ++k) s += wr[k] * x[k];
    y[r] = s;
  }
}

}  // namespace slimlm::kernels::cpu
