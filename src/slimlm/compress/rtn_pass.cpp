// Round-to-nearest (quant/rtn.h) as a pipeline pass: needs no calibration
// to choose its codes, but run here it reports each Linear's output error on
// the calibration inputs beside GPTQ's and AWQ's, from the same Hessians.
#include <memory>

#include "slimlm/compress/pass_registry.h"
#include "slimlm/compress/pass_util.h"
#include "slimlm/quant/pack.h"

namespace slimlm::compress {
namespace {

class RtnPass final : public calib::LayerPass {
 public:
  explicit RtnPass(const PassConfig& cfg) : plan_(cfg.plan), rtn_(cfg.rtn) {}

  std::string name() const override { return "rtn"; }
  calib::PassMode mode() const override { return calib::PassMode::kWholeLayer; }
  calib::StatsRequest request(calib::Stage) const override {
    calib::StatsRequest r;
    r.hessian = true;
    return r;
  }

  void compress_layer(calib::LayerContext& ctx, std::array<calib::InputStats, calib::kNumStages>& stats) override {
    const io::ModelConfig& c = ctx.runner.config();
    for (model::Proj p : model::kAllProjs) {
      const auto format = plan_.format_for(c, ctx.layer, p);
      if (!format) continue;
      const Tensor before = ctx.state.tensors.w(p).clone();
      quant::QuantizedTensor q = quant::quantize_rtn(before, *format, rtn_, proj_tensor_name(ctx, p));
      const Tensor deq = quant::dequantize(q);
      commit_quantized(ctx, p, std::move(q), deq, before,
                       stats[calib::index_of(calib::stage_of(p))].hessian);
    }
  }

 private:
  QuantPlan plan_;
  quant::RtnOptions rtn_;
};

}  // namespace

std::unique_ptr<calib::LayerPass> make_rtn_pass(const PassConfig& cfg) {
  return std::make_unique<RtnPass>(cfg);
}

}  // namespace slimlm::compress
