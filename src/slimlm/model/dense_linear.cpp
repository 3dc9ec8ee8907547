#include "slimlm/model/dense_linear.h"

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/kernels/cpu/matmul.h"

namespace slimlm::model {

DenseLinear::DenseLinear(Tensor weight, Tensor bias) : weight_(std::move(weight)), bias_(std::move(bias)) {
  if (weight_.dtype() != DType::kF32 || weight_.ndim() != 2) {
    throw Error("DenseLinear needs an f32 [out, in] weight, got " + weight_.describe());
  }
  out_ = weight_.dim(0);
  in_ = weight_.dim(1);
  if (bias_.numel() > 0 &&
      (bias_.dtype() != DType::kF32 || bias_.ndim() != 1 || bias_.dim(0) != out_)) {
    throw Error(fmt::format("DenseLinear bias must be f32 [{}], got {}", out_, bias_.describe()));
  }
}

void DenseLinear::forward(const float* x, int64_t M, float* y) const {
  kernels::matmul_f32(x, weight_.data<float>(), y, M, out_, in_);
  if (!has_bias()) return;
  const float* b = bias_.data<float>();
  for (int64_t m = 0; m < M; ++m) {
    float* row = y + m * out_;
    for (int64_t n = 0; n < out_; ++n) row[n] += b[n];
  }
}

uint64_t DenseLinear::weight_bytes() const { return weight_.nbytes() + bias_.nbytes(); }

uint64_t DenseLinear::parameter_count() const { return weight_.numel() + bias_.numel(); }

}  // namespace slimlm::model
