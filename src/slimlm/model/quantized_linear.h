#pragma once
// Linear with quantized weights (quant/quantized_tensor.h): the fused
// dequantize-and-multiply kernels of kernels/cpu/quant_matmul.h, f32
// activations and accumulation.
#include "slimlm/core/tensor.h"
#include "slimlm/model/linear.h"
#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::model {

class QuantizedLinear final : public Linear {
 public:
  // weight: out × in; bias f32 [out] or an empty Tensor. Throws FormatError
  // for an invalid weight, Error for a bias of the wrong shape or dtype.
  explicit QuantizedLinear(quant::QuantizedTensor weight, Tensor bias = {});

  int64_t in_features() const override { return weight_.cols; }
  int64_t out_features() const override { return weight_.rows; }
  void forward(const float* x, int64_t M, float* y) const override;
  uint64_t weight_bytes() const override;
  uint64_t parameter_count() const override;
  std::string_view kind() const override { return "quantized"; }

  const quant::QuantizedTensor& weight() const { return weight_; }
  quant::QuantFormat format() const { return weight_.format; }
  bool has_bias() const { return bias_.numel() > 0; }

 private:
  quant::QuantizedTensor weight_;
  Tensor bias_;
};

}  // namespace slimlm::model
