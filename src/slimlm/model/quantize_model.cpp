#include "slimlm/model/quantize_model.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/timer.h"
#include "slimlm/io/atomic_dir.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/io/model_folder_writer.h"
#include "slimlm/model/quantized_weights.h"
#include "slimlm/model/weight_names.h"
#include "slimlm/quant/compressed_tensors.h"

namespace slimlm::model {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {


bool is_linear_slot(WeightSlot s) {
  switch (s) {
    case WeightSlot::kQ:
    case WeightSlot::kK:
    case WeightSlot::kV:
    case WeightSlot::kO:
    case WeightSlot::kGate:
    case WeightSlot::kUp:
    case WeightSlot::kDown:
    case WeightSlot::kLmHead: return true;
    default: return false;
  }
}

std::regex compile(const std::string& pattern, std::string_view flag) {
  try {
    return std::regex(pattern);
  } catch (const std::regex_error& e) {
    throw ConfigError(fmt::format("{} '{}': not a valid regular expression ({})", flag, pattern, e.what()));
  }
}

// Linear weight names in layer order, lm_head last.
std::vector<std::string> linear_weights(const ArchitectureSpec& spec, const io::ModelConfig& c) {
  std::vector<std::string> names;
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    for (const WeightName& w : spec.weights) {
      if (layer_scoped(w) && !w.bias && is_linear_slot(w.slot) && weight_used(w, c)) {
        names.push_back(weight_name(w, l));
      }
    }
  }
  for (const WeightName& w : spec.weights) {
    if (!layer_scoped(w) && !w.bias && is_linear_slot(w.slot) && weight_used(w, c)) {
      names.push_back(weight_name(w, -1));
    }
  }
  return names;
}

Json clip_json(const quant::ClipSearch& c) {
  Json j;
  j["enabled"] = c.enabled;
  if (c.enabled) {
    j["grid"] = c.grid;
    j["max_shrink"] = c.max_shrink;
    j["refit_scale"] = c.refit_scale;
  }
  return j;
}

}  // namespace

double QuantizeReport::bits_per_weight_linear() const {
  return params_linear ? 8.0 * static_cast<double>(linear_bytes_after) / static_cast<double>(params_linear) : 0.0;
}

double QuantizeReport::bits_per_weight_all() const {
  return params_total ? 8.0 * static_cast<double>(bytes_after) / static_cast<double>(params_total) : 0.0;
}

QuantizeReport quantize_model(const fs::path& input, const fs::path& output,
                              const QuantizeOptions& opt) {
  const Timer timer;
  io::check_output_folder(input, output);
  if (opt.method != "rtn") {
    throw UnsupportedError(fmt::format("--method {}: only rtn is available (gptq and awq need a "
                                       "calibration set and come later)",
                                       opt.method));
  }
  io::UncompressedConfig in = io::read_uncompressed_config(input, "quantize");
  Json& config_json = in.json;
  const io::ModelConfig& config = in.config;
  const ArchitectureSpec& spec = architecture_spec(config.arch);
  const io::Checkpoint ck = io::Checkpoint::open(input);

  std::vector<std::pair<std::regex, std::optional<quant::QuantFormat>>> overrides;
  for (const auto& o : opt.overrides) overrides.emplace_back(compile(o.pattern, "--tensor-type"), o.format);
  std::vector<std::regex> skips;
  for (const auto& s : opt.skip) skips.push_back(compile(s, "--skip"));

  // Plan and check everything before quantizing anything.
  QuantizeReport report;
  struct Job {
    std::string name;
    std::optional<quant::QuantFormat> format;
  };
  std::vector<Job> jobs;
  for (const std::string& name : linear_weights(spec, config)) {
    if (!ck.contains(name)) {
      throw FormatError(fmt::format("{}: tensor '{}' is missing", input.string(), name));
    }
    const auto& info = ck.info(name);
    if (info.dtype != DType::kF32 && info.dtype != DType::kF16 && info.dtype != DType::kBF16) {
      throw UnsupportedError(fmt::format("{}: tensor '{}' has dtype {}; slimlm quantizes f32, f16 "
                                         "and bf16 weights",
                                         input.string(), name, to_string(info.dtype)));
    }
    std::optional<quant::QuantFormat> f = opt.format;
    for (const auto& [re, of] : overrides) {
      if (std::regex_search(name, re)) {
        f = of;
        break;
      }
    }
    for (const auto& re : skips) {
      if (std::regex_search(name, re)) f.reset();
    }
    if (f) quant::check_shape(*f, info.shape.at(0), info.shape.at(1), name);
    jobs.push_back({name, f});
  }
  if (std::none_of(jobs.begin(), jobs.end(), [](const Job& j) { return j.format.has_value(); })) {
    throw ConfigError("nothing to quantize: --skip / --tensor-type keep every Linear weight dense");
  }

  std::map<std::string, quant::QuantizedTensor> done;
  const auto total = static_cast<int64_t>(jobs.size());
  int64_t count = 0;
  for (const Job& j : jobs) {
    const auto& info = ck.info(j.name);
    TensorReport tr;
    tr.name = j.name;
    tr.rows = info.shape[0];
    tr.cols = info.shape[1];
    tr.bytes_before = dtype_bytes(info.dtype, shape_numel(info.shape));
    if (j.format) {
      quant::QuantError err;
      quant::QuantizedTensor q = quant::quantize_rtn(ck.tensor(j.name), *j.format, opt.rtn, j.name, &err);
      tr.format = std::string(quant::to_string(*j.format));
      tr.relative_error = err.relative();
      for (const auto& [n, t] : quant::to_disk(module_of(j.name), q)) tr.bytes_after += t.nbytes();
      report.params_quantized += static_cast<uint64_t>(tr.rows * tr.cols);
      done.emplace(j.name, std::move(q));
    } else {
      tr.format = "dense";
      tr.bytes_after = tr.bytes_before;
    }
    report.params_linear += static_cast<uint64_t>(tr.rows * tr.cols);
    report.linear_bytes_before += tr.bytes_before;
    report.linear_bytes_after += tr.bytes_after;
    report.linears.push_back(std::move(tr));
    if (opt.progress) opt.progress(++count, total);
  }

  io::NamedTensors tensors;
  for (const std::string& name : ck.tensor_names()) {
    const Tensor t = ck.tensor(name);
    report.params_total += t.numel();
    report.bytes_before += t.nbytes();
    auto it = done.find(name);
    if (it == done.end()) {
      tensors.emplace_back(name, t);
      continue;
    }
    for (auto& nt : quant::to_disk(module_of(name), it->second)) tensors.push_back(std::move(nt));
  }
  for (const auto& [n, t] : tensors) report.bytes_after += t.nbytes();
  // Wider elements first keeps every tensor aligned to its element size in
  // the file, so packed codes load as zero-copy views.
  std::stable_sort(tensors.begin(), tensors.end(), [](const auto& a, const auto& b) {
    return dtype_traits(a.second.dtype()).block_bytes > dtype_traits(b.second.dtype()).block_bytes;
  });

  quant::QuantizationConfig qc;
  qc.groups.push_back({"group_0", opt.format, {"Linear"}, false});
  std::map<quant::QuantFormat, std::vector<std::string>> others;
  for (const Job& j : jobs) {
    const std::string module(module_of(j.name));
    if (!j.format) {
      qc.ignore.push_back(module);
    } else if (*j.format != opt.format) {
      others[*j.format].push_back(module);
    }
  }
  for (auto& [f, modules] : others) {
    qc.groups.push_back({fmt::format("group_{}", qc.groups.size()), f, std::move(modules), false});
  }
  config_json["quantization_config"] = qc.to_json();

  Json recipe;
  recipe["tool"] = "slimlm";
  recipe["method"] = opt.method;
  recipe["source"] = fs::absolute(input).lexically_normal().string();
  recipe["format"] = quant::to_string(opt.format);
  recipe["clip_search"] = clip_json(opt.rtn.clip);
  recipe["importance"] = !opt.rtn.importance.empty();
  Json ov = Json::array();
  for (const auto& o : opt.overrides) {
    ov.push_back({{"pattern", o.pattern}, {"format", o.format ? std::string(quant::to_string(*o.format)) : "dense"}});
  }
  recipe["tensor_type"] = ov;
  recipe["skip"] = opt.skip;
  for (const auto& [k, v] : opt.recipe_extra.items()) recipe[k] = v;
  Json per = Json::object();
  for (const TensorReport& t : report.linears) {
    per[t.name] = {{"format", t.format}, {"relative_error", t.relative_error}};
  }
  recipe["tensors"] = per;

  io::write_model_folder(output, input, tensors, config_json, recipe);
  report.seconds = timer.seconds();
  return report;
}

}  // namespace slimlm::model
