#pragma once
// A W8A8 Linear (SmoothQuant): int8 weights per output channel, and the
// input quantized to int8 per token (row) at run time, multiplied in int32
// (kernels/cpu/int8_gemm.h). The layer the compressed model runs and the
// calibration pipeline propagates through.
#include <cstdint>
#include <vector>

#include "slimlm/core/tensor.h"
#include "slimlm/model/linear.h"
#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::model {

class W8A8Linear final : public Linear {
 public:
  // weight: int8 per channel, symmetric, codes in [1, 255] (q + 128, q in
  // [-127, 127]), no permutation; bias f32 [out] or empty. Throws
  // FormatError for another format or a code of 0 (q = -128).
  explicit W8A8Linear(const quant::QuantizedTensor& weight, Tensor bias = {});

  int64_t in_features() const override { return in_; }
  int64_t out_features() const override { return out_; }
  void forward(const float* x, int64_t M, float* y) const override;
  uint64_t weight_bytes() const override;
  uint64_t parameter_count() const override;
  std::string_view kind() const override { return "w8a8"; }

  const int8_t* codes() const { return q_.data(); }
  const float* scales() const { return scale_.data(); }

 private:
  int64_t out_ = 0, in_ = 0;
  std::vector<int8_t> q_;      // [out, in]
  std::vector<float> scale_;   // [out]
  std::vector<int32_t> sums_;  // Σ_k q[n, k]
  Tensor bias_;
};

// Per-channel symmetric int8 quantization as SmoothQuant's
// quantize_weight_per_channel_absmax: scale = max(max|w|, 1e-5) / 127,
// q = round(w / scale). w f32 [out, in]; the result is an int8 QuantizedTensor
// with f32 scales [out, 1].
quant::QuantizedTensor quantize_int8_per_channel(const Tensor& w);

}  // namespace slimlm::model
