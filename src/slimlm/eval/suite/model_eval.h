#pragma once
// Everything `slimlm eval` and `slimlm compare` measure about one model:
// footprint (bytes on disk and in memory, bits per weight, KV bytes per
// token), the requested tasks, prefill/decode speed, peak resident memory,
// energy and CO2 of the whole evaluation, and optionally KL divergence from a
// base model. metrics() flattens it into (name, value, unit, stderr) rows,
// the shape the experiment registry stores.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "slimlm/eval/energy/carbon_intensity.h"
#include "slimlm/eval/energy/energy_meter.h"
#include "slimlm/eval/kld.h"
#include "slimlm/eval/speed.h"
#include "slimlm/eval/system/footprint.h"
#include "slimlm/eval/tasks/task_registry.h"

namespace slimlm::model {
class Model;
}
namespace slimlm::tokenizer {
class Tokenizer;
}

namespace slimlm::eval {

struct SuiteOptions {
  std::vector<std::string> tasks;                        // registry names, in order
  std::map<std::string, std::filesystem::path> task_data;  // NAME -> PATH overrides
  std::map<std::string, int64_t> task_limit;             // NAME -> limit overrides
  TaskOptions task;                                      // shared: limit, shots, batch, ...
  bool speed = true;
  int64_t pp_tokens = 512;
  int64_t tg_tokens = 128;
  int speed_repetitions = 3;
  EnergyOptions energy;
  CarbonIntensity carbon;  // resolve_carbon_intensity(...)
};

struct KldComparison {
  std::string base;  // folder of the base model
  KldResult result;
};

struct ModelEvaluation {
  std::string model;  // folder
  std::string name;   // its last path component
  ModelFootprint footprint;
  std::vector<TaskResult> tasks;
  std::optional<SpeedResult> prefill, decode;
  std::optional<KldComparison> kld;
  uint64_t peak_rss = 0;   // bytes, while this model was evaluated
  EnergyReport energy;
  CarbonIntensity carbon;
  Emissions co2;
  uint64_t tokens = 0;     // tokens through the model (tasks + speed)
  double seconds = 0.0;

  // Flat rows: model/*, <task>/<metric>, <task>/<group>/<metric>, speed/*,
  // kld/*, memory/*, energy/*.
  std::vector<Metric> metrics() const;
};

// Evaluates a loaded model (footprint, tasks, speed, memory, energy). The
// peak RSS is the process's since the last reset_peak_rss().
ModelEvaluation evaluate_model(const model::Model& m, const tokenizer::Tokenizer& tok, const std::filesystem::path& dir,
                               const SuiteOptions& opts);

// KL divergence of `m` from `base` on a text under the perplexity options of
// opts.task (ctx, protocol, limit as windows), tokenized by the base's
// tokenizer. ConfigError when the vocabularies differ.
KldComparison evaluate_kld_against(const model::Model& base, const tokenizer::Tokenizer& base_tok,
                                   const std::string& base_dir, const model::Model& m,
                                   const std::filesystem::path& text, const TaskOptions& opts);

// "models/tiny-llama/" -> "tiny-llama".
std::string model_display_name(const std::filesystem::path& dir);

}  // namespace slimlm::eval
