#include "slimlm/compress/prune_passes.h"

#include <fmt/format.h>

#include "slimlm/compress/hessian_inverse.h"
#include "slimlm/compress/prune_wanda.h"
#include "slimlm/compress/sparsegpt.h"

namespace slimlm::compress {

using calib::Stage;
using model::Proj;

SparsityPattern layer_pattern(const SparsityPattern& pattern, const std::vector<double>& layer_sparsity,
                              int64_t layer) {
  if (layer_sparsity.empty()) return pattern;
  return SparsityPattern::unstructured(layer_sparsity.at(static_cast<size_t>(layer)));
}

calib::StatsRequest WandaPass::request(Stage) const {
  calib::StatsRequest r;
  r.sq_sum = true;
  return r;
}

void WandaPass::compress_layer(calib::LayerContext& ctx, std::array<calib::InputStats, calib::kNumStages>& stats) {
  const SparsityPattern pattern = layer_pattern(pattern_, layer_sparsity_, ctx.layer);
  for (Proj p : model::kAllProjs) {
    Tensor& w = ctx.state.tensors.w(p);
    const calib::InputStats& s = stats[calib::index_of(calib::stage_of(p))];
    const int64_t pruned = prune_wanda(w.mutable_data<float>(), w.dim(0), w.dim(1), s.sq_sum, pattern);
    ctx.state.weight_changed[model::index_of(p)] = true;
    calib::ProjResult& r = ctx.state.result.proj(p);
    r.weight_error = relative_weight_error(ctx.original.w(p).data<float>(), w.data<float>(),
                                           static_cast<int64_t>(w.numel()));
    r.info["pruned"] = pruned;
  }
}

calib::StatsRequest SparseGptPass::request(Stage) const {
  calib::StatsRequest r;
  r.hessian = true;
  return r;
}

void SparseGptPass::compress_layer(calib::LayerContext& ctx,
                                   std::array<calib::InputStats, calib::kNumStages>& stats) {
  const SparsityPattern pattern = layer_pattern(pattern_, layer_sparsity_, ctx.layer);
  for (Stage stage : calib::kAllStages) {
    calib::InputStats& s = stats[calib::index_of(stage)];
    const HessianInverse hinv =
        hessian_inverse(s.hessian, s.features, {damp_, false},
                        fmt::format("layer {} {} inputs", ctx.layer, calib::to_string(stage)));
    for (Proj p : calib::stage_projs(stage)) {
      Tensor& w = ctx.state.tensors.w(p);
      const SparseGptResult res =
          sparsegpt_prune(w.mutable_data<float>(), w.dim(0), w.dim(1), hinv, pattern, block_size_, quantize_);
      ctx.state.weight_changed[model::index_of(p)] = true;
      calib::ProjResult& r = ctx.state.result.proj(p);
      const float* orig = ctx.original.w(p).data<float>();
      r.weight_error = relative_weight_error(orig, w.data<float>(), static_cast<int64_t>(w.numel()));
      r.output_error = relative_output_error(orig, w.data<float>(), w.dim(0), w.dim(1), s.hessian);
      if (res.quantized) r.quantized = std::move(*res.quantized);
      r.info["loss"] = res.loss;
      r.info["pruned"] = res.pruned;
      if (hinv.retries > 0) r.info["damp"] = hinv.damp_used;
    }
    s = {};  // free the Hessian before the next stage's factor
  }
}

}  // namespace slimlm::compress
