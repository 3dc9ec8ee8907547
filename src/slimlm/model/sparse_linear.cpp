#include "slimlm/model/sparse_linear.h"

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::model {

SparseLinear SparseLinear::from_dense(const Tensor& weight, Tensor bias, std::string_view what) {
  if (weight.dtype() != DType::kF32 || weight.ndim() != 2) {
    throw Error(fmt::format("SparseLinear {}: needs an f32 [out, in] weight, got {}", what, weight.describe()));
  }
  const int64_t out = weight.dim(0), in = weight.dim(1);
  if (in % 4 != 0) {
    throw FormatError(fmt::format("{}: 2:4 sparse storage needs a multiple of 4 input features, got {}",
                                  what, in));
  }
  Tensor values = Tensor::empty(DType::kF32, {out, in / 2});
  Tensor indices = Tensor::empty(DType::kU8, {out, kernels::sparse24_index_bytes(in)});
  try {
    kernels::sparse24_pack(weight.data<float>(), out, in, values.mutable_data<float>(),
                           indices.mutable_data<uint8_t>());
  } catch (const FormatError& e) {
    throw FormatError(fmt::format("{}: {}", what, e.what()));
  }
  return SparseLinear(std::move(values), std::move(indices), in, std::move(bias));
}

SparseLinear::SparseLinear(Tensor values, Tensor indices, int64_t in_features, Tensor bias)
    : values_(std::move(values)), indices_(std::move(indices)), bias_(std::move(bias)), in_(in_features) {
  if (values_.dtype() != DType::kF32 || values_.ndim() != 2 || in_ % 4 != 0 || values_.dim(1) * 2 != in_) {
    throw FormatError(fmt::format("SparseLinear: values must be f32 [out, {}], got {}", in_ / 2,
                                  values_.describe()));
  }
  out_ = values_.dim(0);
  if (indices_.dtype() != DType::kU8 ||
      indices_.shape() != Shape{out_, kernels::sparse24_index_bytes(in_)}) {
    throw FormatError(fmt::format("SparseLinear: indices must be u8 [{}, {}], got {}", out_,
                                  kernels::sparse24_index_bytes(in_), indices_.describe()));
  }
  if (bias_.numel() > 0 && (bias_.dtype() != DType::kF32 || bias_.ndim() != 1 || bias_.dim(0) != out_)) {
    throw Error(fmt::format("SparseLinear bias must be f32 [{}], got {}", out_, bias_.describe()));
  }
  kernels::sparse24_validate(view());
}

kernels::Sparse24View SparseLinear::view() const {
  return {values_.data<float>(), indices_.data<uint8_t>(), out_, in_};
}

void SparseLinear::forward(const float* x, int64_t M, float* y) const {
  kernels::sparse24_matmul(view(), x, y, M);
  if (!has_bias()) return;
  const float* b = bias_.data<float>();
  for (int64_t m = 0; m < M; ++m) {
    float* row = y + m * out_;
    for (int64_t n = 0; n < out_; ++n) row[n] += b[n];
  }
}

Tensor SparseLinear::to_dense() const {
  Tensor t = Tensor::empty(DType::kF32, {out_, in_});
  kernels::sparse24_unpack(view(), 0, out_, t.mutable_data<float>());
  return t;
}

uint64_t SparseLinear::weight_bytes() const { return values_.nbytes() + indices_.nbytes() + bias_.nbytes(); }

uint64_t SparseLinear::parameter_count() const {
  return static_cast<uint64_t>(out_ * in_) + bias_.numel();
}

}  // namespace slimlm::model
