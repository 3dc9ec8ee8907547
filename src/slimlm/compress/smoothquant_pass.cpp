// The SmoothQuant pass (smoothquant.h): per layer, with the inputs of the
// layer as it came in, fold the migration scales of q/k/v and gate/up into
// their norms, then make every Linear W8A8. The layer then runs W8A8Linears
// (int8 activations too), so the next layer is calibrated on what the
// compressed model computes.
#include <cmath>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include "slimlm/compress/pass_registry.h"
#include "slimlm/compress/pass_util.h"
#include "slimlm/compress/smoothquant.h"
#include "slimlm/core/error.h"
#include "slimlm/kernels/cpu/matmul.h"
#include "slimlm/model/w8a8_linear.h"
#include "slimlm/quant/pack.h"

namespace slimlm::compress {
namespace {

using calib::Stage;
using model::Proj;

constexpr int kAlphaSteps = 20;  // the search tries 0, 0.05, ..., 1

class SmoothQuantPass final : public calib::LayerPass {
 public:
  explicit SmoothQuantPass(const PassConfig& cfg) : cfg_(cfg), opt_(cfg.smoothquant) {
    if (opt_.alpha && !(*opt_.alpha >= 0.0 && *opt_.alpha <= 1.0)) {
      throw ConfigError(fmt::format("--alpha {}: expected a value in [0, 1]", *opt_.alpha));
    }
  }

  std::string name() const override { return "smoothquant"; }
  calib::PassMode mode() const override { return calib::PassMode::kWholeLayer; }
  calib::StatsRequest request(Stage s) const override {
    calib::StatsRequest r;
    if (s == Stage::kAttnIn || s == Stage::kMlpIn) {
      r.abs_max = true;
      if (!opt_.alpha) r.keep_samples = std::max<int64_t>(1, opt_.search_samples);
    }
    return r;
  }

  void compress_layer(calib::LayerContext& ctx, std::array<calib::InputStats, calib::kNumStages>& stats) override {
    const io::ModelConfig& c = ctx.runner.config();
    for (Proj p : model::kAllProjs) {
      if (!cfg_.plan.format_for(c, ctx.layer, p)) continue;
      if (*cfg_.plan.format_for(c, ctx.layer, p) != quant::QuantFormat::kInt8) {
        throw ConfigError(fmt::format("smoothquant: {} must be int8 (W8A8), got {}", proj_tensor_name(ctx, p),
                                      quant::to_string(*cfg_.plan.format_for(c, ctx.layer, p))));
      }
    }
    nlohmann::ordered_json alphas;
    const std::array<Proj, 3> qkv = {Proj::kQ, Proj::kK, Proj::kV};
    const std::array<Proj, 2> gu = {Proj::kGate, Proj::kUp};
    alphas["qkv"] = smooth(ctx, ctx.state.tensors.attn_norm, qkv, stats[calib::index_of(Stage::kAttnIn)]);
    ctx.state.attn_norm_changed = true;
    alphas["gate_up"] = smooth(ctx, ctx.state.tensors.mlp_norm, gu, stats[calib::index_of(Stage::kMlpIn)]);
    ctx.state.mlp_norm_changed = true;
    ctx.state.result.info["alpha"] = alphas;

    for (Proj p : model::kAllProjs) {
      if (!cfg_.plan.format_for(c, ctx.layer, p)) continue;
      const Tensor before = ctx.state.tensors.w(p).clone();
      quant::QuantizedTensor q = model::quantize_int8_per_channel(before);
      ctx.state.runtime[model::index_of(p)] = std::make_unique<model::W8A8Linear>(q, ctx.state.tensors.b(p));
      const Tensor deq = quant::dequantize(q);
      commit_quantized(ctx, p, std::move(q), deq, before);
      ctx.state.result.proj(p).int8_activations = true;
    }
  }

 private:
  // Picks α (given or searched), folds s into the norm and the columns;
  // returns α.
  double smooth(calib::LayerContext& ctx, Tensor& norm, std::span<const Proj> projs, calib::InputStats& in) {
    model::LayerTensors& t = ctx.state.tensors;
    const int64_t cols = in.features;
    std::vector<const float*> ws;
    std::vector<int64_t> rows;
    for (Proj p : projs) {
      ws.push_back(t.w(p).data<float>());
      rows.push_back(t.w(p).dim(0));
    }
    double alpha = opt_.alpha.value_or(0.5);
    if (!opt_.alpha) alpha = search(t, projs, in, ws, rows);
    const std::vector<float> s = smoothquant_scales(in.abs_max, ws, rows, cols, alpha);
    float* g = norm.mutable_data<float>();
    for (int64_t j = 0; j < cols; ++j) g[j] /= s[static_cast<size_t>(j)];
    for (Proj p : projs) {
      Tensor& w = t.w(p);
      float* d = w.mutable_data<float>();
      for (int64_t r = 0; r < w.dim(0); ++r) {
        for (int64_t j = 0; j < cols; ++j) d[r * cols + j] *= s[static_cast<size_t>(j)];
      }
      ctx.state.weight_changed[model::index_of(p)] = true;
    }
    return alpha;
  }

  // The α whose W8A8 group output on the kept inputs is closest to the
  // original output.
  double search(const model::LayerTensors& t, std::span<const Proj> projs, const calib::InputStats& in,
                const std::vector<const float*>& ws, const std::vector<int64_t>& rows) {
    const int64_t n = in.kept.dim(0), cols = in.features;
    const float* x = in.kept.data<float>();
    std::vector<std::vector<float>> ref;
    for (size_t k = 0; k < projs.size(); ++k) {
      ref.emplace_back(static_cast<size_t>(n * rows[k]));
      kernels::matmul_f32(x, ws[k], ref.back().data(), n, rows[k], cols);
    }
    std::vector<float> xs(static_cast<size_t>(n * cols)), out;
    double best = std::numeric_limits<double>::infinity(), best_alpha = 0.5;
    for (int step = 0; step <= kAlphaSteps; ++step) {
      const double alpha = static_cast<double>(step) / kAlphaSteps;
      const std::vector<float> s = smoothquant_scales(in.abs_max, ws, rows, cols, alpha);
      for (int64_t r = 0; r < n; ++r) {
        for (int64_t j = 0; j < cols; ++j) xs[static_cast<size_t>(r * cols + j)] = x[r * cols + j] / s[static_cast<size_t>(j)];
      }
      double err = 0;
      for (size_t k = 0; k < projs.size(); ++k) {
        Tensor w = t.w(projs[k]).clone();
        float* d = w.mutable_data<float>();
        for (int64_t r = 0; r < rows[k]; ++r) {
          for (int64_t j = 0; j < cols; ++j) d[r * cols + j] *= s[static_cast<size_t>(j)];
        }
        const model::W8A8Linear lin(model::quantize_int8_per_channel(w));
        out.resize(static_cast<size_t>(n * rows[k]));
        lin.forward(xs.data(), n, out.data());
        for (size_t i = 0; i < out.size(); ++i) {
          const double e = static_cast<double>(out[i]) - ref[k][i];
          err += e * e;
        }
      }
      if (err < best) {
        best = err;
        best_alpha = alpha;
      }
    }
    return best_alpha;
  }

  PassConfig cfg_;
  SmoothQuantOptions opt_;
};

}  // namespace

std::unique_ptr<calib::LayerPass> make_smoothquant_pass(const PassConfig& cfg) {
  return std::make_unique<SmoothQuantPass>(cfg);
}

}  // namespace slimlm::compress
