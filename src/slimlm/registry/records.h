#pragma once
// The experiment registry's records: plain data, no SQLite. A run is one
// compression + evaluation of one recipe; a study is one search, whose trials
// are its candidates (each evaluated by at most one run at a time).
// Persisted enums have stable explicit values; the registry stores their strings.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slimlm::registry {

enum class RunStatus : uint8_t { kRunning = 0, kCompleted = 1, kFailed = 2, kKilled = 3 };
std::string_view to_string(RunStatus status);  // "running", "completed", "failed", "killed"
std::optional<RunStatus> run_status_from_string(std::string_view s);

// kSkipped: not worth a full evaluation (infeasible by a proxy, or a duplicate).
enum class TrialState : uint8_t { kPending = 0, kRunning = 1, kComplete = 2, kFailed = 3, kSkipped = 4 };
std::string_view to_string(TrialState state);  // "pending", "running", "complete", "failed", "skipped"
std::optional<TrialState> trial_state_from_string(std::string_view s);

struct MetricRecord {
  std::string name;              // "kld/mean", "perplexity/ppl", "model/bytes"
  double value = 0;              // NaN round-trips (stored as NULL)
  std::string unit;              // "", "bytes", "tok/s", "J" ...
  std::optional<double> std_error;
};

struct RunRecord {
  int64_t id = 0;                        // assigned by the registry
  std::string created_at, finished_at;   // ISO-8601 UTC ("2025-01-31T12:00:00Z"), set by the registry
  std::string kind;                      // "trial", "baseline", "eval", "sensitivity"
  std::string recipe_json;               // canonical JSON of the pipeline and its parameters
  std::string summary;                   // one line: "gptq int4 g128 + wanda 50%"
  std::string base_model;                // folder as given
  std::string base_model_hash;           // sha256_model_folder of the base model
  std::string artifact_path, artifact_sha256;  // the compressed model folder, "" if none kept
  std::string hardware;                  // hardware_fingerprint_json()
  std::string slimlm_version;
  RunStatus status = RunStatus::kRunning;
  std::string error;
  double compress_seconds = 0, eval_seconds = 0;
  std::optional<int64_t> study_id, trial_number;
  std::vector<MetricRecord> metrics;     // filled by run()/runs() readers
  // Set by begin_run (ignored on input): the process that owns a running run.
  int64_t pid = 0;
  std::string host;

  // The metric of that name, if recorded.
  const MetricRecord* metric(std::string_view name) const;
};

struct StudyRecord {
  int64_t id = 0;
  std::string name, created_at, updated_at;
  std::string config_yaml;      // the config file's text as run
  std::string config_hash;      // sha256 of config_yaml: resume refuses a changed config
  std::string sampler;          // "grid", "random", "nsga2", "tpe"
  std::string objectives_json;  // [{"metric":"kld/mean","direction":"minimize"}, ...]
  std::string status;           // "running", "completed", "killed", "failed"
};

struct TrialRecord {
  int64_t id = 0, study_id = 0, number = 0;  // number: 0,1,2.. order of creation in the study
  int64_t generation = 0;                    // sampler batch it came from
  std::string params_json;                   // the candidate, {"quantize.method":"gptq",...}
  std::string params_key;                    // canonical text, unique per study (dedup)
  TrialState state = TrialState::kPending;
  std::string stage;                         // "proxy" or "full"
  std::optional<int64_t> run_id;             // the run that evaluated it
  std::vector<double> objectives;            // as stored (original direction), empty if none
  std::vector<double> proxy_objectives;      // predicted by the proxy, empty if none
  double violation = 0;                      // 0 = feasible; sum of relative constraint excess
  std::string error;
};

struct SensitivityRecord {
  int64_t study_id = 0;
  int64_t layer = 0;
  std::string variant;  // "int4 g128", "wanda 50%"
  std::string metric;
  double value = 0;
};

}  // namespace slimlm::registry
