#pragma once
// A recipe's compression pipeline: a list of passes applied to a checkpoint
// folder in order (`pipeline:` in a study config, docs/recipes.md), e.g.
//   [{prune: {method: wanda, sparsity: 0.5}}, {quantize: {method: gptq, format: int4_g128}}]
// Each step runs the pass that `slimlm prune` / `slimlm quantize` run
// (prune_model.h, prune_structured.h, calibrated_quantize.h,
// model/quantize_model.h) into a temporary folder beside the output; the
// last step writes the output folder, which appears atomically. Every check
// that needs no weights (keys, orders, shapes; pipeline_step.h) runs before
// any work. An empty pipeline copies the model, so "original" is a recipe
// like any other.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/compress/pipeline_step.h"

namespace slimlm::compress {

struct PipelineOptions {
  // Calibration text for the steps that need it (gptq, awq, smoothquant,
  // wanda, sparsegpt, drop_layers by count, activation importance of heads
  // and channels); empty: those steps are refused before any work, and
  // heads / channels are ranked by weight magnitude.
  std::filesystem::path calib_text;
  int64_t calib_samples = 128, calib_seq_len = 512;
  uint64_t calib_seed = 0;
  // Called before each working step with (step, steps, summary), 0-based.
  std::function<void(size_t step, size_t steps, std::string_view what)> on_step;
};

struct PipelineStepReport {
  std::string op;
  std::string summary;
  double seconds = 0;
  nlohmann::ordered_json details;  // the pass's key numbers (sparsity, bytes, layers dropped ...)
};

struct PipelineReport {
  std::vector<PipelineStepReport> steps;  // the working steps, in order
  double seconds = 0;
  uint64_t bytes_before = 0, bytes_after = 0;  // *.safetensors of the input and the output
};

// Throws PipelineError (a ConfigError naming the step, op and key).
void validate_pipeline(const std::vector<PipelineStep>& steps);
// The same, and the shapes against a model (layer numbers, formats and
// patterns that fit every tensor after the heads / channels / layers the
// earlier steps remove).
void validate_pipeline(const std::vector<PipelineStep>& steps, const io::ModelConfig& model);

// "wanda 50% + gptq int4_g128"; "original" for a pipeline with no working
// step. Throws PipelineError for an invalid pipeline.
std::string pipeline_summary(const std::vector<PipelineStep>& steps);

// The pipeline as JSON: [{"prune": {...}}, {"quantize": {...}}] (the form
// recipe.json and the registry store; recipes write the same in YAML).
nlohmann::ordered_json pipeline_to_json(const std::vector<PipelineStep>& steps);
// The inverse. Throws ConfigError for anything but a list of one-key mappings.
std::vector<PipelineStep> pipeline_from_json(const nlohmann::ordered_json& j);

// Runs the pipeline from the model folder `input` into the new folder
// `output` (missing or empty; never the input). Throws ConfigError for an
// invalid pipeline, a bad output folder or missing calibration text before
// any work; otherwise the errors of the passes, leaving nothing at `output`
// and no temporary folder behind.
PipelineReport run_pipeline(const std::filesystem::path& input, const std::filesystem::path& output,
                            const std::vector<PipelineStep>& steps, const PipelineOptions& options);

}  // namespace slimlm::compress
