// The GPTQ pass: true-sequential within each layer (q/k/v, then o, then
// gate/up, then down, each stage's Hessian taken from inputs computed with
// the earlier stages already quantized), as IST-DASLab/gptq's
// llama_sequential with --true-sequential. The Linears of a stage share one
// Hessian and so one factor (hessian_inverse.h).
#include <memory>

#include <fmt/format.h>

#include "slimlm/compress/gptq.h"
#include "slimlm/compress/pass_registry.h"
#include "slimlm/compress/pass_util.h"

namespace slimlm::compress {
namespace {

class GptqPass final : public calib::LayerPass {
 public:
  explicit GptqPass(const PassConfig& cfg) : plan_(cfg.plan), opt_(cfg.gptq) {}

  std::string name() const override { return "gptq"; }
  calib::PassMode mode() const override { return calib::PassMode::kSequential; }
  calib::StatsRequest request(calib::Stage) const override {
    calib::StatsRequest r;
    r.hessian = true;
    return r;
  }

  void compress_stage(calib::LayerContext& ctx, calib::Stage stage, calib::InputStats& stats) override {
    const io::ModelConfig& c = ctx.runner.config();
    std::optional<HessianInverse> hinv;
    for (model::Proj p : calib::stage_projs(stage)) {
      const auto format = plan_.format_for(c, ctx.layer, p);
      if (!format) continue;
      const std::string name = proj_tensor_name(ctx, p);
      if (!hinv) {
        HessianInverseOptions ho;
        ho.damp = opt_.damp;
        ho.act_order = opt_.act_order;
        hinv = hessian_inverse(stats.hessian, stats.features, ho, name);
      }
      const Tensor before = ctx.state.tensors.w(p).clone();
      const std::vector<double> diag = diagonal(stats.hessian, stats.features);
      GptqResult g = gptq_quantize(before, *hinv, *format, opt_, name, diag);
      calib::ProjResult& r = ctx.state.result.proj(p);
      r.info["loss"] = g.loss;
      r.info["damp"] = hinv->damp_used;
      if (hinv->dead_count() > 0) r.info["dead_columns"] = hinv->dead_count();
      commit_quantized(ctx, p, std::move(g.quantized), g.dequantized, before, stats.hessian);
    }
  }

 private:
  QuantPlan plan_;
  GptqOptions opt_;
};

}  // namespace

std::unique_ptr<calib::LayerPass> make_gptq_pass(const PassConfig& cfg) {
  return std::make_unique<GptqPass>(cfg);
}

}  // namespace slimlm::compress
