#include "slimlm/compress/pass_util.h"

#include <cstring>

#include "slimlm/compress/hessian_inverse.h"
#include "slimlm/model/layer_tensors.h"

namespace slimlm::compress {

std::string proj_tensor_name(const calib::LayerContext& ctx, model::Proj p) {
  return model::layer_tensor_name(ctx.runner.config(), ctx.layer, model::weight_slot(p), false);
}

void commit_quantized(calib::LayerContext& ctx, model::Proj p, quant::QuantizedTensor q,
                      const Tensor& dequantized, const Tensor& before, std::span<const double> hessian) {
  Tensor& w = ctx.state.tensors.w(p);
  const int64_t rows = w.dim(0), cols = w.dim(1);
  calib::ProjResult& r = ctx.state.result.proj(p);
  r.weight_error = relative_weight_error(before.data<float>(), dequantized.data<float>(), rows * cols);
  if (!hessian.empty()) {
    r.output_error = relative_output_error(before.data<float>(), dequantized.data<float>(), rows, cols, hessian);
  }
  std::memcpy(w.mutable_data<float>(), dequantized.data<float>(), w.nbytes());
  r.quantized = std::move(q);
  ctx.state.weight_changed[model::index_of(p)] = true;
}

std::vector<double> diagonal(std::span<const double> h, int64_t n) {
  std::vector<double> d(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) d[static_cast<size_t>(i)] = h[static_cast<size_t>(i * n + i)];
  return d;
}

}  // namespace slimlm::compress
