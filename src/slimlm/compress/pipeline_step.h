#pragma once
// One step of a compression pipeline (pipeline.h) as a recipe writes it — an
// op name and that op's keys — and the same step parsed into the options of
// the pass that runs it. Every check that needs no weights happens here, so
// that a recipe that cannot work fails before any work: unknown keys, types
// and ranges (parse_step), orders that cannot work (parse_pipeline), and
// shapes the model cannot take (check_pipeline_shapes). The keys of each op
// are documented in docs/recipes.md.
//
// Keys that only one method reads (quantize.act_order for gptq, prune.owl
// for wanda/sparsegpt, ...) are ignored by the other methods, so that a
// search can vary the method under one template. A step whose method is
// "none", or whose amount is zero (sparsity 0, ratio 0, count 0), does
// nothing: a search space uses that to remove the step.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/compress/prune_model.h"
#include "slimlm/compress/prune_structured.h"
#include "slimlm/core/error.h"
#include "slimlm/io/model_config.h"
#include "slimlm/quant/format.h"

namespace slimlm::compress {

struct PipelineStep {
  std::string op;  // "prune", "prune_heads", "prune_channels", "drop_layers", "quantize"
  nlohmann::ordered_json params = nlohmann::ordered_json::object();  // that op's keys
};

// The ops in their canonical order (the order a derived search template
// uses): prune, prune_heads, prune_channels, drop_layers, quantize.
std::span<const std::string_view> pipeline_ops();
// The keys an op accepts; empty for an unknown op.
std::span<const std::string_view> pipeline_op_keys(std::string_view op);

// A problem with one key of one step. what(): "pipeline step 2 (quantize):
// key 'format': unknown format 'int5'; choose one of: ...". A recipe parser
// catches it to point at the key's line.
class PipelineError : public ConfigError {
 public:
  PipelineError(size_t step, std::string op, std::string key, std::string problem);
  size_t step() const { return step_; }  // 0-based
  const std::string& op() const { return op_; }
  const std::string& key() const { return key_; }  // empty: the step as a whole
  const std::string& problem() const { return problem_; }

 private:
  size_t step_;
  std::string op_, key_, problem_;
};

struct QuantizeSpec {
  std::string method = "rtn";  // rtn | gptq | awq | smoothquant
  quant::QuantFormat format = quant::QuantFormat::kInt4G128;
  // Layer index of the pipeline's input model -> format (nullopt: dense).
  std::map<int64_t, std::optional<quant::QuantFormat>> layer_formats;
  std::vector<std::string> skip;  // regexes on tensor names
  bool lm_head = false;           // rtn: quantize an untied lm_head too
  bool clip = false;              // rtn, gptq: MSE clip search per group
  bool act_order = false, static_groups = false;  // gptq
  double damp = 0.01;                             // gptq
  std::optional<double> alpha = 0.5;              // smoothquant; nullopt = search per layer
};

struct PruneSpec {
  PruneOptions options;  // method, pattern, storage, owl, joint quantize, scope (no calibration)
};

struct StructuredSpec {
  StructuredOptions options;  // kind, ratio, head unit, explicit layers (no calibration)
  int64_t drop_count = 0;     // drop_layers by count (lowest block influence)
  std::string importance = "auto";  // auto | activation | magnitude
};

struct StepSpec {
  std::string op;
  bool noop = false;  // method none, or nothing removed
  std::variant<QuantizeSpec, PruneSpec, StructuredSpec> spec;

  const QuantizeSpec& quantize() const { return std::get<QuantizeSpec>(spec); }
  const PruneSpec& prune() const { return std::get<PruneSpec>(spec); }
  const StructuredSpec& structured() const { return std::get<StructuredSpec>(spec); }
  // Whether the step's output is quantized (quantize, or prune with a joint quantize).
  bool quantizes() const;
  // Whether it calls for calibration text (gptq/awq/smoothquant, wanda/sparsegpt,
  // drop_layers by count, activation importance).
  bool needs_calibration() const;
};

// Parses step `index` of a pipeline. Throws PipelineError.
StepSpec parse_step(const PipelineStep& step, size_t index);

// Parses every step and checks the order: each op at most once; quantizing
// (quantize, or prune with quantize) only in the last working step; a 2:4
// sparse24-stored prune only last; gptq not after unstructured pruning (its
// weight updates fill the zeros back in: use prune {method: sparsegpt,
// quantize: FORMAT}). Throws PipelineError.
std::vector<StepSpec> parse_pipeline(std::span<const PipelineStep> steps);

// Follows the model's shape through the steps (heads, channels, layers
// removed) and checks that every pattern and format fits the tensors it will
// meet, and that layer numbers exist. Throws PipelineError.
void check_pipeline_shapes(std::span<const StepSpec> specs, const io::ModelConfig& model);

// "wanda 50%", "sparsegpt 2:4 + int4_g128 (joint)", "heads -50%",
// "drop 2 layers", "gptq int4_g128 (layer 0 int8)"; "" for a no-op step.
std::string step_summary(const StepSpec& s);

// The closest of `names` to `name` by edit distance, when close enough to be
// a likely typo; "" otherwise. For "did you mean" hints.
std::string closest_name(std::string_view name, std::span<const std::string_view> names);

}  // namespace slimlm::compress
