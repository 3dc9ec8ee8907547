// `slimlm quantize MODEL -o OUT`: round-to-nearest quantization of the Linear
// weights into a compressed-tensors checkpoint (model/quantize_model.h).
//   --bits 8|4|3|2 --group-size 32|64|128|0 [--asym]   a uniform integer format
//   --format NAME                                       any format by name (nf4, int4_g64_asym ...)
//   --tensor-type REGEX=FORMAT                          per-tensor formats, first match wins
//   --skip REGEX                                        keep matching tensors dense
//   --clip                                              MSE-minimising clip search per group
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slimlm/cli/cmd_info.h"
#include "slimlm/cli/command.h"
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

int run_quantize(const QuantizeCliOptions& o) {
  model::QuantizeOptions q;
  q.method = o.method;
  q.format = default_format(o);
  for (const auto& t : o.tensor_types) q.overrides.push_back(parse_tensor_type(t));
  q.skip = o.skip;
  q.rtn.clip.enabled = o.clip;
  q.rtn.clip.grid = o.clip_grid;
  q.rtn.clip.max_shrink = o.clip_max_shrink;
  nlohmann::ordered_json cmd = nlohmann::ordered_json::array();
  for (const auto& a : o.argv) cmd.push_back(a);
  q.recipe_extra["command"] = cmd;

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
  app.add_option("--method", o->method, "Quantization method (rtn)")->capture_default_str();
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
