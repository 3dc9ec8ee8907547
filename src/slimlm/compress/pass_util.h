#pragma once
// Small pieces the passes share.
#include <span>
#include <string>

#include "slimlm/calib/layer_pass.h"
#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::compress {

// The checkpoint name of a layer's Linear weight.
std::string proj_tensor_name(const calib::LayerContext& ctx, model::Proj p);

// Records q as how proj p is stored, writes its dequantized values (f32
// [out, in], input order) into the layer's tensor so that the layer's
// forward pass computes what the quantized model will, and fills the
// result's errors: against `before` (the weight as the pass found it) and,
// when a Hessian of the proj's inputs is given, the relative output error.
void commit_quantized(calib::LayerContext& ctx, model::Proj p, quant::QuantizedTensor q,
                      const Tensor& dequantized, const Tensor& before,
                      std::span<const double> hessian = {});

// The diagonal of a [n, n] matrix.
std::vector<double> diagonal(std::span<const double> h, int64_t n);

}  // namespace slimlm::compress
