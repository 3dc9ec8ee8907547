// `slimlm prune MODEL -o OUT`: pruning into a new checkpoint folder.
//   --method magnitude|wanda|sparsegpt  (--sparsity R | --pattern N:M)
//       unstructured or N:M zeros in the decoder layers' Linear weights
//       (compress/prune_model.h); wanda and sparsegpt need --calib FILE
//       [--calib-samples N --calib-len T --calib-seed S];
//       --storage dense (zeros, default) | sparse24 (2:4 compressed,
//       compressed-tensors sparse-24-bitmask); --scope tensor|row
//       (magnitude); --block-size B --damp F (sparsegpt);
//       --owl [--owl-lambda L --owl-m M]: per-layer sparsity by outliers;
//       --quantize FORMAT (sparsegpt): joint pruning and quantization
//   --structured heads|channels|layers  --ratio R | --drop-layers LIST
//       a smaller dense model (compress/prune_structured.h): heads go by
//       --head-unit group (whole GQA groups) or query (query heads within
//       each group); activation importance with --calib, else magnitude;
//       layers by --drop-layers, or by block influence with --ratio and --calib.
// The output loads in slimlm and transformers; `slimlm quantize` of a
// dense-stored pruned model keeps its zeros.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slimlm/cli/cmd_info.h"
#include "slimlm/cli/command.h"
#include "slimlm/compress/layer_drop.h"
#include "slimlm/compress/prune_model.h"
#include "slimlm/compress/prune_structured.h"
#include "slimlm/core/error.h"
#include "slimlm/core/progress.h"
#include "slimlm/core/threads.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/quant/format.h"

namespace slimlm::cli {
namespace {

struct PruneCliOptions {
  std::string model, output;
  std::string method;
  std::string sparsity, pattern;
  std::string storage = "dense";
  std::string scope = "tensor";
  std::string structured;
  double ratio = 0.0;
  std::string drop_layers;
  std::string head_unit = "group";
  std::string calib;
  int64_t calib_samples = 128;
  int64_t calib_len = 512;
  uint64_t calib_seed = 0;
  int64_t block_size = 128;
  double damp = 0.01;
  bool owl = false;
  std::string quantize;
  double owl_lambda = 0.08, owl_m = 5.0;
  std::vector<std::string> argv;
};

nlohmann::ordered_json command_json(const PruneCliOptions& o) {
  nlohmann::ordered_json cmd = nlohmann::ordered_json::array();
  for (const auto& a : o.argv) cmd.push_back(a);
  return cmd;
}

compress::CalibrationSource calib_of(const PruneCliOptions& o) {
  compress::CalibrationSource c;
  c.file = o.calib;
  c.samples = o.calib_samples;
  c.seq_len = o.calib_len;
  c.seed = o.calib_seed;
  return c;
}

int run_unstructured(const PruneCliOptions& o) {
  compress::PruneOptions p;
  const auto method = compress::prune_method_from_string(o.method.empty() ? "magnitude" : o.method);
  if (!method) throw ConfigError(fmt::format("--method {}: choose magnitude, wanda or sparsegpt", o.method));
  p.method = *method;
  if (!o.sparsity.empty() && !o.pattern.empty()) {
    throw ConfigError("--sparsity and --pattern exclude each other: unstructured R or N:M");
  }
  if (!o.pattern.empty()) {
    p.pattern = compress::SparsityPattern::parse(o.pattern, "--pattern");
    if (!p.pattern.is_nm()) throw ConfigError(fmt::format("--pattern {}: expected N:M, e.g. 2:4", o.pattern));
  } else {
    p.pattern = compress::SparsityPattern::parse(o.sparsity.empty() ? "0.5" : o.sparsity, "--sparsity");
    if (p.pattern.is_nm()) throw ConfigError(fmt::format("--sparsity {}: use --pattern for N:M", o.sparsity));
  }
  const auto storage = compress::sparse_storage_from_string(o.storage);
  if (!storage) throw ConfigError(fmt::format("--storage {}: choose dense or sparse24", o.storage));
  p.storage = *storage;
  if (o.scope != "tensor" && o.scope != "row") throw ConfigError(fmt::format("--scope {}: choose tensor or row", o.scope));
  p.magnitude_scope = o.scope == "row" ? compress::MaskScope::kPerRow : compress::MaskScope::kPerTensor;
  p.calib = calib_of(o);
  p.block_size = o.block_size;
  p.damp = o.damp;
  p.owl = o.owl;
  if (!o.quantize.empty()) {
    const auto f = quant::format_from_string(o.quantize);
    if (!f) throw ConfigError(fmt::format("--quantize {}: unknown format; choose one of: {}", o.quantize, quant::format_list()));
    p.quantize = *f;
  }
  p.owl_options.lambda = o.owl_lambda;
  p.owl_options.m = o.owl_m;
  p.recipe_extra["command"] = command_json(o);

  std::unique_ptr<ProgressBar> bar;
  p.progress = [&](int64_t done, int64_t total) {
    if (!bar) bar = std::make_unique<ProgressBar>("prune", static_cast<uint64_t>(total), "tensors");
    bar->set(static_cast<uint64_t>(done));
  };
  const compress::PruneReport r = compress::prune_model(o.model, o.output, p);
  if (bar) bar->finish();

  std::printf("%s %s: %zu decoder Linear weights pruned in %.2f s on %d threads%s\n",
              std::string(compress::to_string(p.method)).c_str(), p.pattern.to_string().c_str(), r.tensors.size(),
              r.seconds, num_threads(),
              r.calibration_seconds > 0 ? fmt::format(" (calibration text {:.2f} s)", r.calibration_seconds).c_str() : "");
  std::printf("  sparsity by tensor type:");
  for (const auto& [type, zt] : r.by_type()) {
    std::printf(" %s %.2f%%", type.c_str(), 100.0 * static_cast<double>(zt.first) / static_cast<double>(zt.second));
  }
  std::printf("\n  decoder Linear weights: %s params, %.2f%% zero; all parameters: %s, %.2f%% zero\n",
              format_count(r.params_pruned_linears).c_str(), 100.0 * r.sparsity_linears(),
              format_count(r.params_total).c_str(), 100.0 * r.sparsity_all());
  std::printf("  storage %s: %s -> %s\n", std::string(compress::to_string(p.storage)).c_str(),
              format_bytes(r.bytes_before).c_str(), format_bytes(r.bytes_after).c_str());
  std::printf("written to %s\n", o.output.c_str());
  return kExitOk;
}

int run_structured(const PruneCliOptions& o) {
  compress::StructuredOptions s;
  const auto kind = compress::structured_kind_from_string(o.structured);
  if (!kind) throw ConfigError(fmt::format("--structured {}: choose heads, channels or layers", o.structured));
  s.kind = *kind;
  if (!o.method.empty() || !o.sparsity.empty() || !o.pattern.empty()) {
    throw ConfigError("--structured goes without --method / --sparsity / --pattern (prune in two steps)");
  }
  s.ratio = o.ratio;
  if (!o.drop_layers.empty()) {
    const io::ModelConfig c = io::load_hf_config(std::filesystem::path(o.model) / "config.json");
    s.drop_layers = compress::parse_layer_list(o.drop_layers, c.num_hidden_layers);
    if (o.ratio != 0.0) throw ConfigError("--drop-layers and --ratio exclude each other");
  }
  const auto unit = compress::head_unit_from_string(o.head_unit);
  if (!unit) throw ConfigError(fmt::format("--head-unit {}: choose group or query", o.head_unit));
  s.head_unit = *unit;
  s.calib = calib_of(o);
  s.recipe_extra["command"] = command_json(o);
  std::unique_ptr<ProgressBar> bar;
  s.progress = [&](int64_t done, int64_t total) {
    if (!bar) bar = std::make_unique<ProgressBar>("importance", static_cast<uint64_t>(total), "layers");
    bar->set(static_cast<uint64_t>(done));
  };
  const compress::StructuredReport r = compress::prune_structured(o.model, o.output, s);
  if (bar) bar->finish();

  std::printf("structured %s (%s importance) in %.2f s on %d threads\n", o.structured.c_str(), r.importance.c_str(),
              r.seconds, num_threads());
  std::printf("  heads %lld -> %lld, key/value heads %lld -> %lld, intermediate %lld -> %lld, layers %lld -> %lld\n",
              static_cast<long long>(r.heads_before), static_cast<long long>(r.heads_after),
              static_cast<long long>(r.kv_heads_before), static_cast<long long>(r.kv_heads_after),
              static_cast<long long>(r.ffn_before), static_cast<long long>(r.ffn_after),
              static_cast<long long>(r.layers_before), static_cast<long long>(r.layers_after));
  if (!r.dropped_layers.empty()) {
    std::string list;
    for (int64_t l : r.dropped_layers) list += (list.empty() ? "" : ",") + std::to_string(l);
    std::printf("  dropped layers %s\n", list.c_str());
  }
  if (!r.layer_scores.empty()) {
    std::printf("  block influence:");
    for (double b : r.layer_scores) std::printf(" %.4f", b);
    std::printf("\n");
  }
  std::printf("  parameters %s -> %s (%.1f%%), %s -> %s\n", format_count(r.params_before).c_str(),
              format_count(r.params_after).c_str(),
              100.0 * static_cast<double>(r.params_after) / static_cast<double>(r.params_before),
              format_bytes(r.bytes_before).c_str(), format_bytes(r.bytes_after).c_str());
  std::printf("written to %s\n", o.output.c_str());
  return kExitOk;
}

}  // namespace

RunFn setup_prune(CLI::App& app) {
  auto o = std::make_shared<PruneCliOptions>();
  app.add_option("MODEL", o->model, "Model folder (config.json, *.safetensors, tokenizer files)")->required();
  app.add_option("-o,--output", o->output, "Output folder (must not exist, or be empty; never the input)")
      ->required();
  app.add_option("--method", o->method, "Unstructured / N:M method: magnitude (default), wanda, sparsegpt");
  app.add_option("--sparsity", o->sparsity, "Fraction of each Linear weight pruned, e.g. 0.5 or 50% (default 0.5)");
  app.add_option("--pattern", o->pattern, "N:M sparsity instead: at most N non-zeros in every M along a row, e.g. 2:4");
  app.add_option("--storage", o->storage, "dense (zeros, default) or sparse24 (2:4 compressed)")
      ->capture_default_str();
  app.add_option("--scope", o->scope, "magnitude: one threshold per 'tensor' (default) or per 'row'")
      ->capture_default_str();
  app.add_option("--block-size", o->block_size, "sparsegpt: columns per block")->capture_default_str();
  app.add_option("--damp", o->damp, "sparsegpt: damping, a fraction of the Hessian's mean diagonal")
      ->capture_default_str();
  app.add_option("--quantize", o->quantize,
                 "sparsegpt: quantize the kept weights in the same pass to this format (e.g. int4_g128)");
  app.add_flag("--owl", o->owl, "wanda / sparsegpt: per-layer sparsity weighted by each layer's outliers (OWL)");
  app.add_option("--owl-lambda", o->owl_lambda, "OWL: largest departure of a layer from --sparsity")
      ->capture_default_str();
  app.add_option("--owl-m", o->owl_m, "OWL: outlier threshold in means of the layer's Wanda scores")
      ->capture_default_str();
  app.add_option("--structured", o->structured, "Structured removal instead: heads, channels or layers");
  app.add_option("--ratio", o->ratio, "Structured: fraction removed (heads, channels; layers by block influence)");
  app.add_option("--drop-layers", o->drop_layers, "Structured layers: the layers to drop, e.g. 2,3");
  app.add_option("--head-unit", o->head_unit, "Heads go by whole GQA 'group' (default) or 'query' heads per group")
      ->capture_default_str();
  app.add_option("--calib", o->calib, "Calibration text file (wanda, sparsegpt, activation importance)");
  app.add_option("--calib-samples", o->calib_samples, "Calibration windows")->capture_default_str();
  app.add_option("--calib-len", o->calib_len, "Tokens per calibration window")->capture_default_str();
  app.add_option("--calib-seed", o->calib_seed, "Seed of the window positions (Python's random.seed)")
      ->capture_default_str();
  return [o, &app]() {
    o->argv = {"slimlm", "prune"};
    for (const auto* opt : app.get_options()) {
      for (const auto& r : opt->reduced_results()) {
        if (opt->get_name() == "--help") continue;
        o->argv.push_back(opt->nonpositional() ? opt->get_name() + "=" + r : r);
      }
    }
    return o->structured.empty() ? run_unstructured(*o) : run_structured(*o);
  };
}

}  // namespace slimlm::cli
