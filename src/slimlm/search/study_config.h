#pragma once
// The study config of `slimlm optimize CONFIG` (YAML; schema and defaults in
// docs/recipes.md, examples in configs/): the model, calibration and
// evaluation, objectives and constraints, a fixed pipeline or baselines, and
// a search over pipelines. Parsing checks everything that can be checked
// without running anything — keys, types, ranges, metric names, paths, the
// pipelines' keys, orders and shapes against the model's config.json — and
// every error is a ConfigError "FILE:LINE: key 'a.b.c': problem".
//
// Paths are resolved against the config file's folder after `${VAR}`
// expansion (e.g. ${SLIMLM_DATA}/corpora/...); sizes are bytes; metric names
// are the rows of eval::ModelEvaluation::metrics(), with the short names
// model/bytes, speed/prefill_tps and speed/decode_tps replaced by the rows
// they stand for.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/compress/pipeline.h"
#include "slimlm/search/objective.h"

namespace slimlm::search {

struct CalibrationConfig {
  std::filesystem::path text;  // empty: steps that need calibration are refused
  int64_t samples = 32;
  int64_t seq_len = 128;
  uint64_t seed = 0;
};

struct TaskConfig {
  std::string name;             // hellaswag, mmlu, gsm8k, mc
  std::filesystem::path data;   // empty: the task's default under $SLIMLM_DATA
  int64_t limit = 0;            // items (mmlu: per subject); 0 = all
  int shots = -1;               // -1: the task's default
};

struct SpeedConfig {
  bool enabled = true;
  int64_t prefill = 128;  // prompt tokens: metric speed/pp<prefill>
  int64_t decode = 32;    // generated tokens: metric speed/tg<decode>
  int repetitions = 1;
};

struct CarbonConfig {
  std::optional<double> grams_per_kwh;  // wins over region
  std::string region;                   // ISO country code; both empty: world average
};

struct EvaluationConfig {
  std::filesystem::path text;  // perplexity and KL divergence from the original; empty: neither
  int64_t ctx = 256;
  int64_t windows = 16;  // scored windows; 0 = all
  std::vector<TaskConfig> tasks;
  SpeedConfig speed;
  CarbonConfig carbon;
};

struct MetricBound {
  std::string metric;
  double value = 0;
};

struct ConstraintsConfig {
  std::optional<double> max_ppl_ratio;            // kld/ppl_ratio <= value
  std::optional<MetricBound> max_accuracy_drop;   // original − candidate <= value
  std::optional<uint64_t> max_bytes;              // model/file_bytes
  std::optional<double> max_latency_ms;           // per decoded token: 1000 / speed/tg<N>
  std::optional<uint64_t> max_peak_memory;        // memory/peak_rss
  std::optional<double> max_co2_g;                // energy/co2_grams of the evaluation
  std::vector<MetricBound> max_metric, min_metric;
  bool empty() const;
};

struct Baseline {
  std::string name;
  std::vector<compress::PipelineStep> pipeline;
};

// One entry of search.space: "<op>.<param>" of the pipeline template.
struct SpaceEntry {
  enum class Kind : uint8_t { kChoices = 0, kRange = 1, kPerLayer = 2 };
  std::string key;    // "quantize.format"
  std::string op;     // "quantize"
  std::string param;  // "format"
  Kind kind = Kind::kChoices;
  std::vector<nlohmann::ordered_json> choices;  // kChoices / kPerLayer: values as the recipe writes them
  double low = 0, high = 0, step = 0;           // kRange: inclusive; step 0 = continuous (floats)
  bool integer = false, log = false;            // kRange
  int line = 0;
};

struct ProxyConfig {
  bool enabled = false;
  // Per-layer variants whose sensitivity is measured: format names
  // ("int4_g128") or "<method> <sparsity>" ("wanda 50%", "sparsegpt 2:4").
  std::vector<std::string> sensitivity;
  int64_t candidates = 64;  // candidates ranked by the proxy per full evaluation batch
};

enum class KeepModels : uint8_t { kFrontier = 0, kAll = 1, kNone = 2 };
std::string_view to_string(KeepModels k);

struct SearchConfig {
  std::string sampler = "nsga2";
  int64_t trials = 24;
  int64_t population = 8;
  uint64_t seed = 0;
  std::vector<SpaceEntry> space;
  // The steps the space edits: given, or derived from the space's ops in the
  // canonical order (prune, prune_heads, prune_channels, drop_layers, quantize).
  std::vector<compress::PipelineStep> template_steps;
  ProxyConfig proxy;
  KeepModels keep_models = KeepModels::kFrontier;
};

struct StudyConfig {
  std::filesystem::path source;  // the config file ("" when parsed from text with no file)
  int version = 1;
  std::string name;
  std::filesystem::path model;
  std::filesystem::path output;
  CalibrationConfig calibration;
  EvaluationConfig evaluation;
  std::vector<Objective> objectives;
  ConstraintsConfig constraints;
  std::vector<compress::PipelineStep> pipeline;  // the fixed recipe (no search section)
  std::vector<Baseline> baselines;
  std::optional<SearchConfig> search;
};

// Reads and checks a study config. Throws ConfigError "FILE:LINE: key ...".
StudyConfig load_study_config(const std::filesystem::path& file);
// The same from text; relative paths resolve against origin's folder and
// messages name origin.
StudyConfig parse_study_config(std::string_view yaml_text, const std::filesystem::path& origin);

// The metrics a study with this config can use as objectives and
// constraints (after alias resolution), in the order of
// eval::ModelEvaluation::metrics(). mmlu's per-subject rows appear as the
// pattern "mmlu/<subject>/acc".
struct MetricInfo {
  std::string name;
  std::string unit;
  std::string meaning;
};
std::vector<MetricInfo> study_metrics(const StudyConfig& config);

// The calibration options of the config's pipelines.
compress::PipelineOptions pipeline_options(const StudyConfig& config);

// "30MB", "1.5 GiB", "512" (bytes): B, KB, MB, GB, TB (powers of 1000),
// KiB, MiB, GiB, TiB (powers of 1024). nullopt for anything else.
std::optional<uint64_t> parse_size(std::string_view text);

}  // namespace slimlm::search
