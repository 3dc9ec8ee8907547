#pragma once
// Linear with 2:4 sparse weights held compressed (kernels/cpu/sparse24.h):
// the kept half of the weights in f32 plus 2-bit positions, 56 % of the
// dense f32 bytes. Products go through the 2:4 kernels; the result equals
// a DenseLinear over the same (zero-filled) weights up to summation order.
#include "slimlm/core/tensor.h"
#include "slimlm/kernels/cpu/sparse24.h"
#include "slimlm/model/linear.h"

namespace slimlm::model {

class SparseLinear final : public Linear {
 public:
  // From a dense f32 [out, in] weight that is 2:4 sparse. Throws
  // FormatError naming `what` when a group of 4 holds more than 2 non-zeros
  // or in % 4 != 0, Error for a bias that is not f32 [out].
  static SparseLinear from_dense(const Tensor& weight, Tensor bias = {}, std::string_view what = "weight");

  // values f32 [out, in / 2], indices u8 [out, sparse24_index_bytes(in)]
  // as kernels/cpu/sparse24.h lays them out. Throws FormatError for shapes
  // that disagree or corrupt positions.
  SparseLinear(Tensor values, Tensor indices, int64_t in_features, Tensor bias = {});

  int64_t in_features() const override { return in_; }
  int64_t out_features() const override { return out_; }
  void forward(const float* x, int64_t M, float* y) const override;
  uint64_t weight_bytes() const override;
  // Parameters as the dense layer counts them (zeros included), as
  // transformers' num_parameters() would on the dense checkpoint.
  uint64_t parameter_count() const override;
  std::string_view kind() const override { return "sparse24"; }

  kernels::Sparse24View view() const;
  // The weights expanded to dense f32 [out, in].
  Tensor to_dense() const;
  const Tensor& values() const { return values_; }
  const Tensor& indices() const { return indices_; }
  bool has_bias() const { return bias_.numel() > 0; }
  const Tensor& bias() const { return bias_; }

 private:
  Tensor values_, indices_, bias_;
  int64_t in_ = 0, out_ = 0;
};

}  // namespace slimlm::model
