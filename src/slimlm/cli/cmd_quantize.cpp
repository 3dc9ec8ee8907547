// `slimlm quantize MODEL -o OUT`: quantization of the Linear weights into a
// compressed-tensors checkpoint.
//   --bits 8|4|3|2 --group-size 32|64|128|0 [--asym]   a uniform integer format
//   --format NAME                                       any format by name (nf4, int4_g64_asym ...)
//   --tensor-type REGEX=FORMAT                          per-tensor formats, first match wins
//   --skip REGEX                                        keep matching tensors dense
//   --clip                                              MSE-minimising clip search per group
// --method rtn (default) rounds each weight on its own (model/quantize_model.h).
// --method gptq|awq|smoothquant --calib FILE run a calibrated pass layer by
// layer (compress/calibrated_quantize.h), printing each layer's output error
// against the original layer as it finishes:
//   --calib-samples N --calib-len T --calib-seed S      the calibration windows
//   gptq: --act-order --static-groups --damp F --block-size B
//   awq: --awq-grid N --awq-search-samples N --no-awq-clip --awq-quantizer rtn|gptq
//   smoothquant (W8A8, int8 weights per channel, int8 activations per token):
//        --alpha A (or 'search')
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slimlm/cli/cmd_info.h"
#include "slimlm/cli/command.h"
#include "slimlm/compress/calibrated_quantize.h"
#include "slimlm/compress/pass_registry.h"
#include "slimlm/core/error.h"
#include "slimlm/core/progress.h"
#include "slimlm/core/threads.h"
#include "slimlm/model/quantize_model.h"
#include "slimlm/quant/format.h"

namespace slimlm::cli {
namespace {

struct QuantizeCliOptions {
  std::string model;
  std::string output;
  std::string method = "rtn";
  int bits = 4;
  std::optional<int> group_size;
  bool asym = false;
  std::string format;
  std::vector<std::string> tensor_types;
  std::vector<std::string> skip;
  bool clip = false;
  int clip_grid = 20;
  double clip_max_shrink = 0.5;
  // Calibrated methods.
  std::string calib;
  int64_t calib_samples = 128;
  int64_t calib_len = 512;
  uint64_t calib_seed = 0;
  bool act_order = false;
  bool static_groups = false;
  double damp = 0.01;
  int64_t block_size = 128;
  int awq_grid = 20;
  int64_t awq_search_samples = 16;
  bool no_awq_clip = false;
  std::string awq_quantizer = "rtn";
  std::string alpha = "0.5";
  std::string propagate;
  std::vector<std::string> argv;
};

quant::QuantFormat parse_format(const std::string& name, std::string_view flag) {
  if (auto f = quant::format_from_string(name)) return *f;
  throw ConfigError(fmt::format("{} {}: unknown format; choose one of: {}", flag, name, quant::format_list()));
}

quant::QuantFormat default_format(const QuantizeCliOptions& o) {
  if (!o.format.empty()) return parse_format(o.format, "--format");
  // int8 exists per output channel only; the others default to groups of 128.
  const int group = o.group_size ? (*o.group_size < 0 ? 0 : *o.group_size) : (o.bits == 8 ? 0 : 128);
  if (auto f = quant::find_uniform_format(o.bits, group, !o.asym)) return *f;
  throw ConfigError(fmt::format(
      "--bits {} --group-size {}{}: no such format (bits 8 per channel; bits 4, 3, 2 with group "
      "size 32, 64, 128 or 0 = per channel); formats: {}",
      o.bits, group, o.asym ? " --asym" : "", quant::format_list()));
}

model::TensorTypeOverride parse_tensor_type(const std::string& spec) {
  const auto eq = spec.rfind('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
    throw ConfigError(fmt::format("--tensor-type {}: expected REGEX=FORMAT", spec));
  }
  model::TensorTypeOverride o;
  o.pattern = spec.substr(0, eq);
  const std::string f = spec.substr(eq + 1);
  if (f != "dense") o.format = parse_format(f, "--tensor-type " + spec + ":");
  return o;
}

nlohmann::ordered_json command_json(const QuantizeCliOptions& o) {
  nlohmann::ordered_json cmd = nlohmann::ordered_json::array();
  for (const auto& a : o.argv) cmd.push_back(a);
  return cmd;
}

std::string error_text(double v) { return std::isnan(v) ? "-" : fmt::format("{:.3g}", v); }

int run_calibrated(const QuantizeCliOptions& o) {
  if (o.calib.empty()) {
    throw ConfigError(fmt::format("--method {} needs a calibration text: --calib FILE", o.method));
  }
  compress::CalibratedOptions c;
  c.method = o.method;
  // SmoothQuant is W8A8: int8 weights per output channel whatever --bits says.
  const quant::QuantFormat format = o.method == "smoothquant" ? quant::QuantFormat::kInt8 : default_format(o);
  std::vector<compress::FormatOverride> overrides;
  for (const auto& t : o.tensor_types) {
    const model::TensorTypeOverride tt = parse_tensor_type(t);
    overrides.push_back({tt.pattern, tt.format});
  }
  c.pass.plan = compress::QuantPlan(format, std::move(overrides), o.skip);
  c.pass.rtn.clip.enabled = o.clip;
  c.pass.rtn.clip.grid = o.clip_grid;
  c.pass.rtn.clip.max_shrink = o.clip_max_shrink;
  c.pass.gptq.act_order = o.act_order;
  c.pass.gptq.static_groups = o.static_groups;
  c.pass.gptq.damp = o.damp;
  c.pass.gptq.block_size = o.block_size;
  c.pass.gptq.clip = c.pass.rtn.clip;
  c.pass.awq.grid = o.awq_grid;
  c.pass.awq.search_samples = o.awq_search_samples;
  c.pass.awq.clip = !o.no_awq_clip;
  c.pass.awq.quantizer = o.awq_quantizer;
  if (o.awq_quantizer != "rtn" && o.awq_quantizer != "gptq") {
    throw ConfigError(fmt::format("--awq-quantizer {}: choose rtn or gptq", o.awq_quantizer));
  }
  if (o.alpha == "search") {
    c.pass.smoothquant.alpha.reset();
  } else {
    try {
      size_t used = 0;
      const double a = std::stod(o.alpha, &used);
      if (used != o.alpha.size() || !(a >= 0.0 && a <= 1.0)) throw std::invalid_argument("range");
      c.pass.smoothquant.alpha = a;
    } catch (const std::exception&) {
      throw ConfigError(fmt::format("--alpha {}: expected a number in [0, 1] or 'search'", o.alpha));
    }
  }
  if (!o.propagate.empty()) {
    if (o.propagate != "original" && o.propagate != "compressed") {
      throw ConfigError(fmt::format("--propagate {}: choose original or compressed", o.propagate));
    }
    c.propagate_original = o.propagate == "original";
  }
  c.calib_file = o.calib;
  c.calib.samples = o.calib_samples;
  c.calib.seq_len = o.calib_len;
  c.calib.seed = o.calib_seed;
  c.recipe_extra["command"] = command_json(o);

  c.on_layer_start = [](int64_t l, int64_t n) {
    std::fprintf(stderr, "%s: layer %lld/%lld ...\n", "quantize", static_cast<long long>(l + 1),
                 static_cast<long long>(n));
  };
  c.on_layer = [](int64_t l, const calib::LayerResult& r) {
    std::string per;
    for (model::Proj p : model::kAllProjs) {
      const double e = r.proj(p).output_error;
      per += fmt::format(" {} {}", model::to_string(p).substr(0, model::to_string(p).find('_')), error_text(e));
    }
    std::printf("layer %2lld  %6.2f s  output error %s (mse %s)  linears:%s\n", static_cast<long long>(l),
                r.seconds, error_text(r.output_rel_error).c_str(), error_text(r.output_mse).c_str(),
                per.c_str());
    std::fflush(stdout);
  };
  const compress::CalibratedReport r = compress::quantize_calibrated(o.model, o.output, c);

  std::printf("%s: quantized %llu of %llu decoder Linear parameters to %s (%s) in %.2f s on %d threads "
              "(%lld calibration tokens)\n",
              o.method.c_str(), static_cast<unsigned long long>(r.params_quantized),
              static_cast<unsigned long long>(r.params_linear), std::string(quant::to_string(format)).c_str(),
              o.method == "smoothquant" ? "W8A8: int8 weights per channel, int8 activations per token"
                                        : std::string(quant::format_traits(format).summary).c_str(),
              r.seconds, num_threads(), static_cast<long long>(r.calib_tokens));
  std::printf("  decoder Linear weights: %s params, %s -> %s, %.3f bits/weight\n",
              format_count(r.params_linear).c_str(), format_bytes(r.linear_bytes_before).c_str(),
              format_bytes(r.linear_bytes_after).c_str(), r.bits_per_weight_linear());
  std::printf("  all tensors:            %s params, %s -> %s, %.3f bits/weight (%.2fx smaller)\n",
              format_count(r.params_total).c_str(), format_bytes(r.bytes_before).c_str(),
              format_bytes(r.bytes_after).c_str(), r.bits_per_weight_all(),
              r.bytes_after ? static_cast<double>(r.bytes_before) / static_cast<double>(r.bytes_after) : 0.0);
  std::printf("written to %s (per-layer errors in recipe.json)\n", o.output.c_str());
  return kExitOk;
}

int run_quantize(const QuantizeCliOptions& o) {
  if (o.method != "rtn" || !o.calib.empty()) return run_calibrated(o);
  model::QuantizeOptions q;
  q.method = o.method;
  q.format = default_format(o);
  for (const auto& t : o.tensor_types) q.overrides.push_back(parse_tensor_type(t));
  q.skip = o.skip;
  q.rtn.clip.enabled = o.clip;
  q.rtn.clip.grid = o.clip_grid;
  q.rtn.clip.max_shrink = o.clip_max_shrink;
  q.recipe_extra["command"] = command_json(o);

  std::unique_ptr<ProgressBar> bar;
  q.progress = [&](int64_t done, int64_t total) {
    if (!bar) bar = std::make_unique<ProgressBar>("quantize", static_cast<uint64_t>(total), "tensors");
    bar->set(static_cast<uint64_t>(done));
  };
  const model::QuantizeReport r = model::quantize_model(o.model, o.output, q);
  if (bar) bar->finish();

  int64_t quantized = 0;
  for (const auto& t : r.linears) quantized += t.format != "dense";
  std::printf("quantized %lld of %zu Linear weights to %s (%s) in %.2f s on %d threads\n",
              static_cast<long long>(quantized), r.linears.size(),
              std::string(quant::to_string(q.format)).c_str(),
              std::string(quant::format_traits(q.format).summary).c_str(), r.seconds, num_threads());
  std::printf("  Linear weights: %s params, %s -> %s, %.3f bits/weight\n",
              format_count(r.params_linear).c_str(), format_bytes(r.linear_bytes_before).c_str(),
              format_bytes(r.linear_bytes_after).c_str(), r.bits_per_weight_linear());
  std::printf("  all tensors:    %s params, %s -> %s, %.3f bits/weight (%.2fx smaller)\n",
              format_count(r.params_total).c_str(), format_bytes(r.bytes_before).c_str(),
              format_bytes(r.bytes_after).c_str(), r.bits_per_weight_all(),
              r.bytes_after ? static_cast<double>(r.bytes_before) / static_cast<double>(r.bytes_after) : 0.0);
  double worst = 0;
  std::string worst_name;
  for (const auto& t : r.linears) {
    if (t.relative_error > worst) {
      worst = t.relative_error;
      worst_name = t.name;
    }
  }
  if (!worst_name.empty()) {
    std::printf("  largest relative weight error: %.3g (%s)\n", worst, worst_name.c_str());
  }
  std::printf("written to %s\n", o.output.c_str());
  return kExitOk;
}

}  // namespace

RunFn setup_quantize(CLI::App& app) {
  auto o = std::make_shared<QuantizeCliOptions>();
  app.add_option("MODEL", o->model, "Model folder (config.json, *.safetensors, tokenizer files)")->required();
  app.add_option("-o,--output", o->output, "Output folder (must not exist, or be empty; never the input)")
      ->required();
  app.add_option("--method", o->method,
                 "Quantization method: rtn, or with --calib: " + compress::pass_list())
      ->capture_default_str();
  app.add_option("--bits", o->bits, "Bits per weight: 8, 4, 3 or 2")->capture_default_str();
  app.add_option("--group-size", o->group_size,
                 "Weights per scale along a row: 32, 64, 128, or 0 for one per output channel "
                 "(default 128; per channel for 8 bits)");
  app.add_flag("--asym", o->asym, "Store a zero point per group (asymmetric range)");
  app.add_option("--format", o->format, "A format by name, overriding --bits/--group-size/--asym: " +
                                            quant::format_list());
  app.add_option("--tensor-type", o->tensor_types,
                 "REGEX=FORMAT: tensors whose name matches REGEX get FORMAT (or 'dense'); first match "
                 "wins, e.g. 'layers\\.0\\.=int8' or 'lm_head=int8'");
  app.add_option("--skip", o->skip, "REGEX: keep matching tensors unquantized, e.g. lm_head");
  app.add_flag("--clip", o->clip, "Search each group's clipping range for the least squared error");
  app.add_option("--clip-grid", o->clip_grid, "Clip candidates per unit of shrink")->capture_default_str();
  app.add_option("--clip-max-shrink", o->clip_max_shrink, "Largest fraction the range may shrink")
      ->capture_default_str();
  app.add_option("--calib", o->calib, "Calibration text file (gptq, awq, smoothquant)");
  app.add_option("--calib-samples", o->calib_samples, "Calibration windows")->capture_default_str();
  app.add_option("--calib-len", o->calib_len, "Tokens per calibration window")->capture_default_str();
  app.add_option("--calib-seed", o->calib_seed, "Seed of the window positions (Python's random.seed)")
      ->capture_default_str();
  app.add_flag("--act-order", o->act_order, "gptq: quantize columns by descending Hessian diagonal (desc_act)");
  app.add_flag("--static-groups", o->static_groups, "gptq: fit group scales before any update");
  app.add_option("--damp", o->damp, "gptq: damping, a fraction of the Hessian's mean diagonal")
      ->capture_default_str();
  app.add_option("--block-size", o->block_size, "gptq: columns per lazy batch update")->capture_default_str();
  app.add_option("--awq-grid", o->awq_grid, "awq: scale ratios searched")->capture_default_str();
  app.add_option("--awq-search-samples", o->awq_search_samples,
                 "awq: calibration windows the block searches score on (0 = all)")
      ->capture_default_str();
  app.add_flag("--no-awq-clip", o->no_awq_clip, "awq: skip the weight-clipping search");
  app.add_option("--awq-quantizer", o->awq_quantizer, "awq: rtn or gptq on the scaled weights")
      ->capture_default_str();
  app.add_option("--alpha", o->alpha, "smoothquant: migration strength in [0, 1], or 'search' per layer")
      ->capture_default_str();
  app.add_option("--propagate", o->propagate,
                 "Feed each layer the previous layer's 'compressed' (gptq default) or 'original' "
                 "(awq default) output");
  return [o, &app]() {
    o->argv = {"slimlm", "quantize"};
    for (const auto* opt : app.get_options()) {
      for (const auto& r : opt->reduced_results()) {
        if (opt->get_name() == "--help") continue;
        o->argv.push_back(opt->nonpositional() ? opt->get_name() + "=" + r : r);
      }
    }
    return run_quantize(*o);
  };
}

}  // namespace slimlm::cli
