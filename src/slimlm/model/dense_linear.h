#pragma once
// Linear with f32 weights: sgemm for several rows (prefill), the threaded
// GEMV for one row (decode); kernels/cpu/matmul.h.
#include "slimlm/core/tensor.h"
#include "slimlm/model/linear.h"

namespace slimlm::model {

class DenseLinear final : public Linear {
 public:
  // weight f32 [out, in]; bias f32 [out] or an empty Tensor for none. Both
  // may be views (an f32 checkpoint, or tied embeddings) and are never
  // written. Throws Error on other dtypes or shapes.
  explicit DenseLinear(Tensor weight, Tensor bias = {});

  int64_t in_features() const override { return in_; }
  int64_t out_features() const override { return out_; }
  void forward(const float* x, int64_t M, float* y) const override;
  uint64_t weight_bytes() const override;
  uint64_t parameter_count() const override;
  std::string_view kind() const override { return "dense"; }

  const Tensor& weight() const { return weight_; }
  bool has_bias() const { return bias_.numel() > 0; }
  const Tensor& bias() const { return bias_; }

 private:
  Tensor weight_;
  Tensor bias_;
  int64_t in_ = 0, out_ = 0;
};

}  // namespace slimlm::model
