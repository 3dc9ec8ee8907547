#include "slimlm/kernels/ref/quant_ref.h"

#include <vector>

#include "slimlm/quant/pack.h"

namespace slimlm::kernels::ref {

void quant_matmul(const quant::QuantizedTensor& w, const float* x, float* y, int64_t M) {
  const int64_t N = w.rows, K = w.cols;
  std::vector<float> row(static_cast<size_t>(K));
  for (int64_t n = 0; n < N; ++n) {
    quant::dequantize_row(w, n, row.data());
    for (int64_t m = 0; m < M; ++m) {
      double acc = 0.0;
      for (int64_t k = 0; k < K; ++k) acc += double(x[m * K + k]) * double(row[k]);
      y[m * N + n] = static_cast<float>(acc);
    }
  }
}

}  // namespace slimlm::kernels::ref
