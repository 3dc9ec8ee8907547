#include "slimlm/compress/prune_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <system_error>

#include <fmt/format.h>

#include "slimlm/compress/prune_calibrated.h"
#include "slimlm/compress/prune_magnitude.h"
#include "slimlm/compress/pruned_checkpoint.h"
#include "slimlm/core/error.h"
#include "slimlm/core/timer.h"
#include "slimlm/model/quantized_weights.h"
#include "slimlm/model/sparse_weights.h"
#include "slimlm/quant/compressed_tensors.h"

namespace slimlm::compress {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

constexpr std::pair<PruneMethod, std::string_view> kMethods[] = {
    {PruneMethod::kMagnitude, "magnitude"},
    {PruneMethod::kWanda, "wanda"},
    {PruneMethod::kSparseGpt, "sparsegpt"},
};
constexpr std::pair<SparseStorage, std::string_view> kStorages[] = {
    {SparseStorage::kDense, "dense"},
    {SparseStorage::kSparse24, "sparse24"},
};

Tensor to_f32_owned(const Tensor& t) { return t.dtype() == DType::kF32 ? t.clone() : t.to(DType::kF32); }

void check_options(const PruneInput& in, const PruneOptions& opt, const std::vector<LinearWeight>& linears) {
  const auto& p = opt.pattern;
  if (p.is_nm() && (p.m < 1 || p.n < 1 || p.n >= p.m)) {
    throw ConfigError(fmt::format("--pattern {}:{}: need 1 <= N < M", p.n, p.m));
  }
  if (!p.is_nm() && !(p.ratio > 0.0 && p.ratio < 1.0)) {
    throw ConfigError(fmt::format("--sparsity {}: the fraction pruned must lie strictly between 0 and 1", p.ratio));
  }
  if (opt.storage == SparseStorage::kSparse24 && !(p.is_nm() && p.m == 4 && p.n <= 2)) {
    throw ConfigError(fmt::format("--storage sparse24 needs a 2:4 (or 1:4) pattern; {} is stored dense (--storage dense)",
                                  p.to_string()));
  }
  for (const LinearWeight& l : linears) {
    if (!in.checkpoint.contains(l.name)) {
      throw FormatError(fmt::format("{}: tensor '{}' is missing", in.dir.string(), l.name));
    }
    const auto& info = in.checkpoint.info(l.name);
    if (info.dtype != DType::kF32 && info.dtype != DType::kF16 && info.dtype != DType::kBF16) {
      throw UnsupportedError(fmt::format("{}: tensor '{}' has dtype {}; slimlm prunes f32, f16 and bf16 weights",
                                         in.dir.string(), l.name, to_string(info.dtype)));
    }
    p.check_shape(info.shape.at(0), info.shape.at(1), l.name);
  }
  if (opt.quantize) {
    if (opt.method != PruneMethod::kSparseGpt) {
      throw ConfigError("--quantize goes with --method sparsegpt (joint pruning and quantization); prune, then "
                        "`slimlm quantize` for the other methods");
    }
    if (opt.storage != SparseStorage::kDense) {
      throw ConfigError("--quantize stores the weights pack-quantized: it excludes --storage sparse24");
    }
    for (const LinearWeight& l : linears) {
      const auto& shape = in.checkpoint.info(l.name).shape;
      quant::check_shape(*opt.quantize, shape.at(0), shape.at(1), l.name);
    }
  }
  if (opt.owl) {
    if (opt.method == PruneMethod::kMagnitude || p.is_nm()) {
      throw ConfigError("--owl sets per-layer unstructured sparsity from calibration outliers: it goes with "
                        "--method wanda or sparsegpt and --sparsity");
    }
    if (!(opt.owl_options.lambda >= 0.0 && p.ratio - opt.owl_options.lambda > 0.0 &&
          p.ratio + opt.owl_options.lambda < 1.0)) {
      throw ConfigError(fmt::format("--owl-lambda {}: the layers' sparsity {} ± {} must stay within (0, 1)",
                                    opt.owl_options.lambda, p.ratio, opt.owl_options.lambda));
    }
    if (!(opt.owl_options.m > 0.0)) throw ConfigError(fmt::format("--owl-m {}: must be positive", opt.owl_options.m));
  }
  if (opt.method != PruneMethod::kMagnitude) {
    if (opt.calib.file.empty()) {
      throw ConfigError(fmt::format("--method {} needs calibration text: --calib FILE", to_string(opt.method)));
    }
    std::error_code ec;
    if (!fs::is_regular_file(opt.calib.file, ec)) {
      throw ConfigError(fmt::format("--calib {}: no such file", opt.calib.file));
    }
    if (opt.method == PruneMethod::kSparseGpt && opt.block_size < 1) {
      throw ConfigError(fmt::format("--block-size {}: must be at least 1", opt.block_size));
    }
    if (opt.method == PruneMethod::kSparseGpt && opt.pattern.is_nm() && opt.block_size % opt.pattern.m != 0) {
      throw ConfigError(fmt::format("--block-size {} must be a multiple of M = {}", opt.block_size, opt.pattern.m));
    }
  }
}

// Collects the pruned weights in the checkpoint's dtype and checks each.
class Collector {
 public:
  Collector(const PruneInput& in, const PruneOptions& opt, PruneReport& report, int64_t total)
      : in_(in), opt_(opt), report_(report), total_(total) {}

  void add(const LinearWeight& l, const Tensor& original, const Tensor& pruned, const SparsityPattern& pattern,
           const quant::QuantizedTensor* quantized = nullptr) {
    if (quantized) quantized_.insert_or_assign(l.name, *quantized);
    const DType dtype = in_.checkpoint.info(l.name).dtype;
    Tensor stored = dtype == DType::kF32 ? pruned.clone() : pruned.to(dtype);
    // The check runs on what is written: rounding to bf16 may add zeros,
    // never remove one.
    const Tensor back = dtype == DType::kF32 ? stored : stored.to(DType::kF32);
    const int64_t rows = back.dim(0), cols = back.dim(1);
    const MaskScope scope = opt_.method == PruneMethod::kMagnitude ? opt_.magnitude_scope
                            : opt_.method == PruneMethod::kWanda   ? MaskScope::kPerRow
                                                                   : MaskScope::kPerTensor;
    const PatternCheck check = check_pattern(back.data<float>(), rows, cols, pattern, scope);
    if (!check.ok) {
      throw Error(fmt::format("pruning {} with {} left '{}' without the pattern {}: {}", in_.dir.string(),
                              to_string(opt_.method), l.name, pattern.to_string(), check.problem));
    }
    PrunedTensor t;
    t.name = l.name;
    t.type = std::string(linear_type(l.slot));
    t.layer = l.layer;
    t.rows = rows;
    t.cols = cols;
    t.zeros = check.zeros;
    t.target = pattern.sparsity();
    double num = 0, den = 0;
    const float* a = original.data<float>();
    const float* b = back.data<float>();
    for (int64_t i = 0; i < rows * cols; ++i) {
      num += (static_cast<double>(b[i]) - a[i]) * (static_cast<double>(b[i]) - a[i]);
      den += static_cast<double>(a[i]) * a[i];
    }
    t.relative_error = den > 0 ? num / den : 0.0;
    report_.tensors.push_back(std::move(t));
    stored_.insert_or_assign(l.name, std::move(stored));
    if (opt_.progress) opt_.progress(static_cast<int64_t>(report_.tensors.size()), total_);
  }

  std::map<std::string, Tensor>& stored() { return stored_; }
  const std::map<std::string, quant::QuantizedTensor>& quantized() const { return quantized_; }

 private:
  const PruneInput& in_;
  const PruneOptions& opt_;
  PruneReport& report_;
  int64_t total_;
  std::map<std::string, Tensor> stored_;
  std::map<std::string, quant::QuantizedTensor> quantized_;
};

}  // namespace

std::string_view to_string(PruneMethod m) {
  for (const auto& [k, v] : kMethods) {
    if (k == m) return v;
  }
  return "unknown";
}

std::optional<PruneMethod> prune_method_from_string(std::string_view s) {
  for (const auto& [k, v] : kMethods) {
    if (v == s) return k;
  }
  return std::nullopt;
}

std::string_view to_string(SparseStorage s) {
  for (const auto& [k, v] : kStorages) {
    if (k == s) return v;
  }
  return "unknown";
}

std::optional<SparseStorage> sparse_storage_from_string(std::string_view s) {
  for (const auto& [k, v] : kStorages) {
    if (v == s) return k;
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> PruneReport::by_type() const {
  std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> out;
  for (const PrunedTensor& t : tensors) {
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == t.type; });
    if (it == out.end()) it = out.insert(out.end(), {t.type, {0, 0}});
    it->second.first += static_cast<uint64_t>(t.zeros);
    it->second.second += static_cast<uint64_t>(t.rows * t.cols);
  }
  return out;
}

double PruneReport::sparsity_linears() const {
  return params_pruned_linears ? static_cast<double>(zeros_pruned_linears) / static_cast<double>(params_pruned_linears) : 0.0;
}

double PruneReport::sparsity_all() const {
  return params_total ? static_cast<double>(zeros_pruned_linears) / static_cast<double>(params_total) : 0.0;
}

PruneReport prune_model(const fs::path& input, const fs::path& output, const PruneOptions& opt) {
  const Timer timer;
  const PruneInput in = open_prune_input(input, output);
  const std::vector<LinearWeight> linears = layer_linear_weights(in.config);
  check_options(in, opt, linears);

  PruneReport report;
  Collector collect(in, opt, report, static_cast<int64_t>(linears.size()));
  Json calibration = nullptr;
  if (opt.method == PruneMethod::kMagnitude) {
    for (const LinearWeight& l : linears) {
      const Tensor original = to_f32_owned(in.checkpoint.tensor(l.name));
      Tensor w = original.clone();
      prune_magnitude(w.mutable_data<float>(), w.dim(0), w.dim(1), opt.pattern, opt.magnitude_scope);
      collect.add(l, original, w, opt.pattern);
    }
  } else {
    CalibratedPruning job{in, opt, linears};
    calibration = run_calibrated_pruning(
        job,
        [&](const LinearWeight& l, const Tensor& original, const Tensor& pruned, const SparsityPattern& pattern,
            const quant::QuantizedTensor* q) { collect.add(l, original, pruned, pattern, q); },
        &report.calibration_seconds);
  }

  // Output tensors in the input's order, pruned ones replaced.
  io::NamedTensors tensors;
  for (const std::string& name : in.checkpoint.tensor_names()) {
    const Tensor t = in.checkpoint.tensor(name);
    report.params_total += t.numel();
    report.bytes_before += t.nbytes();
    auto it = collect.stored().find(name);
    if (it == collect.stored().end()) {
      tensors.emplace_back(name, t);
      continue;
    }
    if (auto q = collect.quantized().find(name); q != collect.quantized().end()) {
      for (auto& nt : quant::to_disk(model::module_of(name), q->second)) tensors.push_back(std::move(nt));
    } else if (opt.storage == SparseStorage::kSparse24) {
      for (auto& nt : model::sparse24_to_disk(model::module_of(name), it->second)) tensors.push_back(std::move(nt));
    } else {
      tensors.emplace_back(name, it->second);
    }
  }
  for (const auto& [n, t] : tensors) report.bytes_after += t.nbytes();
  for (const PrunedTensor& t : report.tensors) {
    report.params_pruned_linears += static_cast<uint64_t>(t.rows * t.cols);
    report.zeros_pruned_linears += static_cast<uint64_t>(t.zeros);
  }

  Json config = in.config_json;
  if (opt.storage == SparseStorage::kSparse24) {
    Json qc;
    qc["quant_method"] = "compressed-tensors";
    qc["sparsity_config"] = model::sparse24_config_json({"lm_head"}, report.sparsity_all());
    config["quantization_config"] = qc;
  }
  if (opt.quantize) {
    quant::QuantizationConfig qc;
    qc.groups.push_back({"group_0", *opt.quantize, {"Linear"}, false});
    qc.ignore = {"lm_head"};
    Json j = qc.to_json();
    // The zeros are stored as codes; compressed-tensors notes the structure.
    j["sparsity_config"] = {{"format", "dense"},
                            {"sparsity_structure", opt.pattern.is_nm() ? opt.pattern.to_string() : "unstructured"},
                            {"global_sparsity", report.sparsity_all()},
                            {"targets", {"Linear"}},
                            {"ignore", {"lm_head"}},
                            {"registry_requires_subclass", false}};
    config["quantization_config"] = j;
  }

  Json recipe;
  recipe["tool"] = "slimlm";
  recipe["pass"] = "prune";
  recipe["method"] = to_string(opt.method);
  recipe["source"] = fs::absolute(input).lexically_normal().string();
  recipe["pattern"] = opt.pattern.is_nm() ? Json(opt.pattern.to_string()) : Json(nullptr);
  recipe["sparsity"] = opt.pattern.sparsity();
  if (opt.method == PruneMethod::kMagnitude && !opt.pattern.is_nm()) {
    recipe["scope"] = opt.magnitude_scope == MaskScope::kPerRow ? "row" : "tensor";
  }
  if (opt.method == PruneMethod::kSparseGpt) {
    recipe["block_size"] = opt.block_size;
    recipe["damp"] = opt.damp;
  }
  recipe["owl"] = opt.owl;
  recipe["quantize"] = opt.quantize ? Json(std::string(quant::to_string(*opt.quantize))) : Json(nullptr);
  recipe["storage"] = to_string(opt.storage);
  recipe["calibration"] = calibration;
  for (const auto& [k, v] : opt.recipe_extra.items()) recipe[k] = v;
  recipe["sparsity_linears"] = report.sparsity_linears();
  Json per = Json::object();
  for (const PrunedTensor& t : report.tensors) {
    per[t.name] = {{"sparsity", t.sparsity()}, {"target", t.target}, {"relative_error", t.relative_error}};
  }
  recipe["tensors"] = per;

  write_pruned_checkpoint(in, output, std::move(tensors), config, recipe);
  report.seconds = timer.seconds();
  return report;
}

}  // namespace slimlm::compress
