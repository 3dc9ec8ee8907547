#include "slimlm/compress/calibrated_quantize.h"

#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include <fmt/format.h>

#include "slimlm/calib/pipeline.h"
#include "slimlm/compress/checkpoint_edits.h"
#include "slimlm/compress/pass_registry.h"
#include "slimlm/core/error.h"
#include "slimlm/core/timer.h"
#include "slimlm/io/atomic_dir.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/quant/int_quantized.h"
#include "slimlm/model/quantized_weights.h"
#include "slimlm/model/weight_names.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::compress {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

Json number_or_null(double v) { return std::isnan(v) ? Json(nullptr) : Json(v); }

// How a quantized module is stored; modules with the same key share a
// quantization_config group.
struct StorageKey {
  quant::QuantFormat format;
  bool act_order;
  bool int8_activations;
  auto tie() const { return std::tuple(static_cast<int>(format), act_order, int8_activations); }
  bool operator<(const StorageKey& o) const { return tie() < o.tie(); }
};

// config.json's quantization_config: the largest group targets the class
// "Linear", the others name their modules (compressed-tensors gives names
// precedence); W8A8 groups get their int8 per-token input activations.
Json build_config(const std::map<StorageKey, std::vector<std::string>>& modules,
                  std::vector<std::string> ignore) {
  quant::QuantizationConfig qc;
  auto largest = modules.begin();
  for (auto it = modules.begin(); it != modules.end(); ++it) {
    if (it->second.size() > largest->second.size()) largest = it;
  }
  auto add = [&](const StorageKey& k, std::vector<std::string> targets) {
    quant::ConfigGroup g;
    g.name = fmt::format("group_{}", qc.groups.size());
    g.format = k.format;
    g.targets = std::move(targets);
    g.act_order = k.act_order;
    g.int8_activations = k.int8_activations;
    qc.groups.push_back(std::move(g));
  };
  if (largest != modules.end()) add(largest->first, {"Linear"});
  for (auto it = modules.begin(); it != modules.end(); ++it) {
    if (it != largest) add(it->first, it->second);
  }
  qc.ignore = std::move(ignore);
  return qc.to_json();
}

Json options_json(const CalibratedOptions& o) {
  Json j;
  if (o.method == "gptq" || (o.method == "awq" && o.pass.awq.quantizer == "gptq")) {
    j["gptq"] = {{"block_size", o.pass.gptq.block_size},
                 {"damp", o.pass.gptq.damp},
                 {"act_order", o.pass.gptq.act_order},
                 {"static_groups", o.pass.gptq.static_groups},
                 {"clip_search", o.pass.gptq.clip.enabled}};
  }
  if (o.method == "awq") {
    const AwqOptions& a = o.pass.awq;
    j["awq"] = {{"grid", a.grid},
                {"clip", a.clip},
                {"clip_grid", a.clip_grid},
                {"clip_max_shrink", a.clip_max_shrink},
                {"search_samples", a.search_samples},
                {"quantizer", a.quantizer}};
  }
  if (o.method == "smoothquant") {
    const SmoothQuantOptions& s = o.pass.smoothquant;
    j["smoothquant"] = {{"alpha", s.alpha ? Json(*s.alpha) : Json("search")},
                        {"search_samples", s.search_samples}};
  }
  if (o.method == "rtn" || o.method == "awq") j["rtn_clip_search"] = o.pass.rtn.clip.enabled;
  return j;
}

}  // namespace

double CalibratedReport::bits_per_weight_linear() const {
  return params_linear ? 8.0 * static_cast<double>(linear_bytes_after) / static_cast<double>(params_linear) : 0.0;
}

double CalibratedReport::bits_per_weight_all() const {
  return params_total ? 8.0 * static_cast<double>(bytes_after) / static_cast<double>(params_total) : 0.0;
}

CalibratedReport quantize_calibrated(const fs::path& input, const fs::path& output,
                                     const CalibratedOptions& opt) {
  const Timer timer;
  io::check_output_folder(input, output);
  if (!find_pass(opt.method)) {
    throw ConfigError(fmt::format("--method {}: unknown method; choose one of: {}", opt.method, pass_list()));
  }
  io::UncompressedConfig in = io::read_uncompressed_config(input, "quantize");
  Json& config_json = in.json;
  const io::ModelConfig& config = in.config;
  const std::vector<std::string> why = io::unsupported_features(config);
  if (!why.empty()) {
    throw UnsupportedError(fmt::format("{}: cannot run this model: {}", config.source, why.front()));
  }
  model::architecture_spec(config.arch);
  opt.pass.plan.check(config);
  const io::Checkpoint ck = io::Checkpoint::open(input);
  const std::unique_ptr<calib::LayerPass> pass = make_pass(opt.method, opt.pass);

  const Timer calib_timer;
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::from_file(input);
  const std::string text = calib::read_calibration_text(opt.calib_file);
  const calib::CalibrationSet set =
      calib::calibration_set_from_text(tok, text, opt.calib, opt.calib_file.string());
  CalibratedReport report;
  report.method = opt.method;
  report.calib_seconds = calib_timer.seconds();
  report.calib_tokens = set.samples * set.seq_len;

  CheckpointEdits edits;
  std::map<StorageKey, std::vector<std::string>> modules;
  std::vector<std::string> ignore;
  Json layers_json = Json::array();

  calib::PipelineOptions po;
  po.chunk_samples = opt.chunk_samples;
  po.propagate_original = opt.propagate_original.value_or(opt.method == "awq");
  po.on_layer_start = opt.on_layer_start;
  po.on_layer = [&](int64_t l, calib::LayerState& st) {
    LayerSummary ls;
    ls.layer = l;
    ls.output_mse = st.result.output_mse;
    ls.output_rel_error = st.result.output_rel_error;
    ls.seconds = st.result.seconds;
    Json lj;
    lj["layer"] = l;
    lj["output_mse"] = number_or_null(st.result.output_mse);
    lj["output_rel_error"] = number_or_null(st.result.output_rel_error);
    lj["seconds"] = st.result.seconds;
    if (!st.result.info.empty()) lj["info"] = st.result.info;
    Json lin = Json::object();
    auto replace_f32 = [&](const std::string& name, const Tensor& t) {
      if (!name.empty()) edits.replace[name] = {{name, t.clone()}};
    };
    for (model::Proj p : model::kAllProjs) {
      const size_t i = model::index_of(p);
      const std::string name = model::layer_tensor_name(config, l, model::weight_slot(p), false);
      const std::string module(model::module_of(name));
      calib::ProjResult& r = st.result.projs[i];
      const Tensor& w = st.tensors.weight[i];
      const uint64_t params = w.numel();
      const uint64_t bytes_before = dtype_bytes(ck.info(name).dtype, params);
      report.params_linear += params;
      report.linear_bytes_before += bytes_before;
      LinearSummary sum;
      sum.name = name;
      sum.weight_error = r.weight_error;
      sum.output_error = r.output_error;
      if (r.quantized) {
        io::NamedTensors disk = r.int8_activations ? quant::int_quantized_to_disk(module, *r.quantized)
                                                   : quant::to_disk(module, *r.quantized);
        uint64_t b = 0;
        for (const auto& [n, t] : disk) b += t.nbytes();
        report.linear_bytes_after += b;
        report.params_quantized += params;
        edits.replace[name] = std::move(disk);
        modules[{r.quantized->format, r.quantized->has_perm(), r.int8_activations}].push_back(module);
        sum.format = r.int8_activations ? "w8a8_int8" : std::string(quant::to_string(r.quantized->format));
      } else {
        ignore.push_back(module);
        sum.format = "dense";
        if (st.weight_changed[i]) {
          replace_f32(name, w);
          report.linear_bytes_after += w.nbytes();
        } else {
          report.linear_bytes_after += bytes_before;
        }
      }
      if (st.bias_changed[i]) {
        replace_f32(model::layer_tensor_name(config, l, model::weight_slot(p), true), st.tensors.bias[i]);
      }
      Json pj;
      pj["format"] = sum.format;
      pj["weight_error"] = number_or_null(r.weight_error);
      pj["output_error"] = number_or_null(r.output_error);
      for (const auto& [k, v] : r.info.items()) pj[k] = v;
      lin[std::string(model::to_string(p))] = std::move(pj);
      ls.linears.push_back(std::move(sum));
    }
    if (st.attn_norm_changed) {
      replace_f32(model::layer_tensor_name(config, l, model::WeightSlot::kAttnNorm, false), st.tensors.attn_norm);
    }
    if (st.mlp_norm_changed) {
      replace_f32(model::layer_tensor_name(config, l, model::WeightSlot::kMlpNorm, false), st.tensors.mlp_norm);
    }
    lj["linears"] = std::move(lin);
    layers_json.push_back(std::move(lj));
    report.layers.push_back(std::move(ls));
    if (opt.on_layer) opt.on_layer(l, st.result);
  };
  calib::run_pipeline(ck, config, set, *pass, po);

  ignore.push_back("lm_head");
  if (!modules.empty()) edits.quantization_config = build_config(modules, ignore);

  Json recipe;
  recipe["tool"] = "slimlm";
  recipe["method"] = opt.method;
  recipe["source"] = fs::absolute(input).lexically_normal().string();
  recipe["format"] = quant::to_string(opt.pass.plan.default_format());
  Json ov = Json::array();
  for (const auto& o : opt.pass.plan.overrides()) {
    ov.push_back({{"pattern", o.pattern}, {"format", o.format ? std::string(quant::to_string(*o.format)) : "dense"}});
  }
  recipe["tensor_type"] = ov;
  recipe["skip"] = opt.pass.plan.skip();
  recipe["options"] = options_json(opt);
  recipe["propagate_original"] = po.propagate_original;
  recipe["calibration"] = {{"file", fs::absolute(opt.calib_file).lexically_normal().string()},
                           {"samples", set.samples},
                           {"seq_len", set.seq_len},
                           {"seed", set.seed},
                           {"stream_tokens", set.stream_tokens}};
  for (const auto& [k, v] : opt.recipe_extra.items()) recipe[k] = v;
  recipe["layers"] = std::move(layers_json);

  const WrittenCheckpoint written = write_edited_checkpoint(input, output, ck, config_json, edits, recipe);
  report.params_total = written.params_total;
  report.bytes_before = written.bytes_before;
  report.bytes_after = written.bytes_after;
  report.seconds = timer.seconds();
  return report;
}

}  // namespace slimlm::compress
