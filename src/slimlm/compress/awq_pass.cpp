// The AWQ pass (awq.h): per layer, with every stage's input taken from the
// layer as it came in (as llm-awq's run_awq captures input_feat before any
// change), search each group's scale on the original weights, fold the
// scales in, clip, then quantize (RTN, or GPTQ on the scaled inputs'
// Hessians).
#include <functional>
#include <limits>
#include <memory>

#include <fmt/format.h>

#include "slimlm/compress/awq.h"
#include "slimlm/compress/gptq.h"
#include "slimlm/compress/pass_registry.h"
#include "slimlm/compress/pass_util.h"
#include "slimlm/core/error.h"
#include "slimlm/model/dense_linear.h"
#include "slimlm/quant/pack.h"

namespace slimlm::compress {
namespace {

using model::Proj;
using calib::Stage;

double mse(const float* a, const float* b, int64_t n) {
  double e = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    e += d * d;
  }
  return e / static_cast<double>(n);
}

// Linears viewing `t`, with some replaced by DenseLinears over `over`.
model::LayerWeights with_overrides(const model::LayerTensors& t,
                                   const std::array<Tensor, model::kNumProjs>& over) {
  model::LayerWeights w;
  w.attn_norm = t.attn_norm;
  w.mlp_norm = t.mlp_norm;
  auto make = [&](Proj p) {
    const Tensor& o = over[model::index_of(p)];
    return std::make_unique<model::DenseLinear>(o.numel() ? o : t.w(p), t.b(p));
  };
  w.q = make(Proj::kQ);
  w.k = make(Proj::kK);
  w.v = make(Proj::kV);
  w.o = make(Proj::kO);
  w.gate = make(Proj::kGate);
  w.up = make(Proj::kUp);
  w.down = make(Proj::kDown);
  return w;
}

// tr(D H Dᵀ) for D = the fake-quantized minus the original weight: the
// squared output error of a Linear summed over its inputs (the reference's
// mean squared error up to a constant factor).
double linear_block_loss(const Tensor& w, const Tensor& wq, std::span<const double> h) {
  const int64_t rows = w.dim(0), cols = w.dim(1);
  return output_error_sq(w.data<float>(), wq.data<float>(), rows, cols, h);
}

class AwqPass final : public calib::LayerPass {
 public:
  explicit AwqPass(const PassConfig& cfg) : cfg_(cfg), opt_(cfg.awq) {
    if (opt_.grid < 1) throw ConfigError(fmt::format("--awq-grid {}: need at least 1", opt_.grid));
    if (opt_.quantizer != "rtn" && opt_.quantizer != "gptq") {
      throw ConfigError(fmt::format("--awq-quantizer {}: choose rtn or gptq", opt_.quantizer));
    }
  }

  std::string name() const override { return "awq"; }
  calib::PassMode mode() const override { return calib::PassMode::kWholeLayer; }
  calib::StatsRequest request(Stage s) const override {
    calib::StatsRequest r;
    r.abs_sum = true;
    r.hessian = true;
    if (s == Stage::kAttnIn || s == Stage::kMlpIn) {
      r.keep_samples = opt_.search_samples > 0 ? opt_.search_samples : std::numeric_limits<int64_t>::max();
    }
    return r;
  }

  void compress_layer(calib::LayerContext& ctx, std::array<calib::InputStats, calib::kNumStages>& stats) override {
    const io::ModelConfig& c = ctx.runner.config();
    model::LayerTensors& t = ctx.state.tensors;
    std::array<std::optional<quant::QuantFormat>, model::kNumProjs> fmt;
    for (Proj p : model::kAllProjs) fmt[model::index_of(p)] = cfg_.plan.format_for(c, ctx.layer, p);
    auto format = [&](Proj p) { return fmt[model::index_of(p)]; };
    auto& attn_in = stats[calib::index_of(Stage::kAttnIn)];
    auto& attn_out = stats[calib::index_of(Stage::kAttnOut)];
    auto& mlp_in = stats[calib::index_of(Stage::kMlpIn)];
    auto& mlp_out = stats[calib::index_of(Stage::kMlpOut)];

    // Fake-quantized W · diag(s) / diag(s) of the group's Linears.
    auto candidates = [&](std::span<const Proj> projs, std::span<const float> s) {
      std::array<Tensor, model::kNumProjs> over;
      for (Proj p : projs) {
        if (!format(p)) continue;
        Tensor w = t.w(p).clone();
        awq_fake_quantize(w.mutable_data<float>(), w.dim(0), w.dim(1), s, *format(p));
        over[model::index_of(p)] = std::move(w);
      }
      return over;
    };
    // The ratio whose block output is closest to the original's.
    auto search = [&](std::span<const Proj> projs, const calib::InputStats& in,
                      const std::function<double(const std::array<Tensor, model::kNumProjs>&)>& loss) {
      const std::vector<float> xbar = in.abs_mean();
      double best_loss = std::numeric_limits<double>::infinity(), best_ratio = 0;
      std::vector<float> best;
      for (int i = 0; i < opt_.grid; ++i) {
        const double ratio = static_cast<double>(i) / opt_.grid;
        std::vector<float> s = awq_scales(xbar, ratio);
        const double l = loss(candidates(projs, s));
        if (l < best_loss) {
          best_loss = l;
          best_ratio = ratio;
          best = std::move(s);
        }
      }
      return std::pair(best_ratio, best);
    };
    const model::LayerWeights orig = with_overrides(t, {});
    nlohmann::ordered_json ratios;

    // q/k/v: the attention block through o_proj, on the kept inputs.
    const int64_t S = attn_in.kept_samples, n = S * ctx.seq_len;
    std::vector<float> att(static_cast<size_t>(n * c.q_dim())), out(static_cast<size_t>(n * c.hidden_size)),
        ref(out.size());
    auto attention_out = [&](const model::LayerWeights& w, float* dst) {
      ctx.runner.attention(w, attn_in.kept.data<float>(), S, att.data());
      w.o->forward(att.data(), n, dst);
    };
    attention_out(orig, ref.data());
    const std::array<Proj, 3> qkv = {Proj::kQ, Proj::kK, Proj::kV};
    auto [r_qkv, s_qkv] = search(qkv, attn_in, [&](const auto& over) {
      attention_out(with_overrides(t, over), out.data());
      return mse(out.data(), ref.data(), n * c.hidden_size);
    });
    ratios["qkv"] = r_qkv;

    // o after v, when v's rows can carry o's scales (llm-awq: equal shapes).
    std::vector<float> s_o;
    const bool scale_o = t.w(Proj::kV).shape() == t.w(Proj::kO).shape();
    if (scale_o) {
      const std::array<Proj, 1> o = {Proj::kO};
      auto [r, s] = search(o, attn_out, [&](const auto& over) {
        const Tensor& wq = over[model::index_of(Proj::kO)];
        return wq.numel() ? linear_block_loss(t.w(Proj::kO), wq, attn_out.hessian) : 0.0;
      });
      ratios["o"] = r;
      s_o = std::move(s);
    }

    // gate/up: the MLP through down_proj, on the kept inputs.
    const int64_t Sm = mlp_in.kept_samples, nm = Sm * ctx.seq_len;
    std::vector<float> a(static_cast<size_t>(nm * c.intermediate_size)), mout(static_cast<size_t>(nm * c.hidden_size)),
        mref(mout.size());
    auto mlp_out_fn = [&](const model::LayerWeights& w, float* dst) {
      ctx.runner.mlp_hidden(w, mlp_in.kept.data<float>(), nm, a.data());
      w.down->forward(a.data(), nm, dst);
    };
    mlp_out_fn(orig, mref.data());
    const std::array<Proj, 2> gu = {Proj::kGate, Proj::kUp};
    auto [r_gu, s_gu] = search(gu, mlp_in, [&](const auto& over) {
      mlp_out_fn(with_overrides(t, over), mout.data());
      return mse(mout.data(), mref.data(), nm * c.hidden_size);
    });
    ratios["gate_up"] = r_gu;

    // down after up.
    const std::array<Proj, 1> down = {Proj::kDown};
    auto [r_down, s_down] = search(down, mlp_out, [&](const auto& over) {
      const Tensor& wq = over[model::index_of(Proj::kDown)];
      return wq.numel() ? linear_block_loss(t.w(Proj::kDown), wq, mlp_out.hessian) : 0.0;
    });
    ratios["down"] = r_down;
    ctx.state.result.info["ratio"] = ratios;

    // Fold the scales in; the model computes the same function.
    fold_into_norm(ctx, t.attn_norm, qkv, s_qkv);
    ctx.state.attn_norm_changed = true;
    if (scale_o) fold_into_rows(ctx, Proj::kV, Proj::kO, s_o);
    fold_into_norm(ctx, t.mlp_norm, gu, s_gu);
    ctx.state.mlp_norm_changed = true;
    fold_into_rows(ctx, Proj::kUp, Proj::kDown, s_down);
    // The inputs the scaled Linears see are x / s.
    scale_hessian(attn_in.hessian, s_qkv);
    if (scale_o) scale_hessian(attn_out.hessian, s_o);
    scale_hessian(mlp_in.hessian, s_gu);
    scale_hessian(mlp_out.hessian, s_down);

    if (!opt_.quantize) return;
    std::array<const calib::InputStats*, model::kNumProjs> input_of{};
    for (Proj p : model::kAllProjs) input_of[model::index_of(p)] = &stats[calib::index_of(calib::stage_of(p))];
    std::array<std::optional<HessianInverse>, calib::kNumStages> hinv;
    for (Proj p : model::kAllProjs) {
      if (!format(p)) continue;
      const calib::InputStats& in = *input_of[model::index_of(p)];
      Tensor& w = t.w(p);
      const Tensor before = w.clone();
      calib::ProjResult& r = ctx.state.result.proj(p);
      if (opt_.clip && p != Proj::kQ && p != Proj::kK) {
        awq_clip(w.mutable_data<float>(), w.dim(0), w.dim(1), in.hessian, *format(p), opt_.clip_grid,
                 opt_.clip_max_shrink);
        r.info["clipped"] = true;
      }
      const std::string name = proj_tensor_name(ctx, p);
      if (opt_.quantizer == "gptq") {
        auto& hi = hinv[calib::index_of(calib::stage_of(p))];
        if (!hi) {
          HessianInverseOptions ho;
          ho.damp = cfg_.gptq.damp;
          ho.act_order = cfg_.gptq.act_order;
          hi = hessian_inverse(in.hessian, in.features, ho, name);
        }
        GptqResult g = gptq_quantize(w, *hi, *format(p), cfg_.gptq, name, diagonal(in.hessian, in.features));
        commit_quantized(ctx, p, std::move(g.quantized), g.dequantized, before, in.hessian);
      } else {
        quant::QuantizedTensor q = quant::quantize_rtn(w, *format(p), cfg_.rtn, name);
        const Tensor deq = quant::dequantize(q);
        commit_quantized(ctx, p, std::move(q), deq, before, in.hessian);
      }
    }
  }

 private:
  // norm / s, and the Linears' columns · s.
  static void fold_into_norm(calib::LayerContext& ctx, Tensor& norm, std::span<const Proj> projs,
                             std::span<const float> s) {
    float* g = norm.mutable_data<float>();
    for (size_t j = 0; j < s.size(); ++j) g[j] /= s[j];
    for (Proj p : projs) scale_columns(ctx, p, s);
  }
  // prev's rows (and bias) / s, next's columns · s.
  static void fold_into_rows(calib::LayerContext& ctx, Proj prev, Proj next, std::span<const float> s) {
    Tensor& w = ctx.state.tensors.w(prev);
    const int64_t rows = w.dim(0), cols = w.dim(1);
    float* d = w.mutable_data<float>();
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) d[r * cols + c] /= s[static_cast<size_t>(r)];
    }
    ctx.state.weight_changed[model::index_of(prev)] = true;
    Tensor& b = ctx.state.tensors.b(prev);
    if (b.numel() > 0) {
      for (int64_t r = 0; r < rows; ++r) b.mutable_data<float>()[r] /= s[static_cast<size_t>(r)];
      ctx.state.bias_changed[model::index_of(prev)] = true;
    }
    scale_columns(ctx, next, s);
  }
  static void scale_columns(calib::LayerContext& ctx, Proj p, std::span<const float> s) {
    Tensor& w = ctx.state.tensors.w(p);
    const int64_t rows = w.dim(0), cols = w.dim(1);
    float* d = w.mutable_data<float>();
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < cols; ++c) d[r * cols + c] *= s[static_cast<size_t>(c)];
    }
    ctx.state.weight_changed[model::index_of(p)] = true;
  }
  static void scale_hessian(std::vector<double>& h, std::span<const float> s) {
    const auto n = static_cast<int64_t>(s.size());
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < n; ++j) {
        h[static_cast<size_t>(i * n + j)] /= static_cast<double>(s[static_cast<size_t>(i)]) * s[static_cast<size_t>(j)];
      }
    }
  }

  PassConfig cfg_;
  AwqOptions opt_;
};

}  // namespace

std::unique_ptr<calib::LayerPass> make_awq_pass(const PassConfig& cfg) { return std::make_unique<AwqPass>(cfg); }

}  // namespace slimlm::compress
