#include "slimlm/model/quantized_linear.h"

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/kernels/cpu/quant_matmul.h"

namespace slimlm::model {

QuantizedLinear::QuantizedLinear(quant::QuantizedTensor weight, Tensor bias)
    : weight_(std::move(weight)), bias_(std::move(bias)) {
  weight_.validate("QuantizedLinear");
  if (bias_.numel() > 0 &&
      (bias_.dtype() != DType::kF32 || bias_.ndim() != 1 || bias_.dim(0) != weight_.rows)) {
    throw Error(fmt::format("QuantizedLinear bias must be f32 [{}], got {}", weight_.rows,
                            bias_.describe()));
  }
}

void QuantizedLinear::forward(const float* x, int64_t M, float* y) const {
  kernels::quant_matmul(weight_, x, y, M);
  if (!has_bias()) return;
  const float* b = bias_.data<float>();
  const int64_t N = weight_.rows;
  for (int64_t m = 0; m < M; ++m) {
    float* row = y + m * N;
    for (int64_t n = 0; n < N; ++n) row[n] += b[n];
  }
}

uint64_t QuantizedLinear::weight_bytes() const { return weight_.nbytes() + bias_.nbytes(); }

uint64_t QuantizedLinear::parameter_count() const {
  return static_cast<uint64_t>(weight_.rows * weight_.cols) + bias_.numel();
}

}  // namespace slimlm::model
