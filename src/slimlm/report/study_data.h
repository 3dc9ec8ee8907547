#pragma once
// What a report renders: one study, its trials with every metric of the run
// that evaluated them, the study's reference runs (baseline / original model),
// per-layer sensitivities, and which trials form the Pareto frontier. Plain
// data, independent of SQLite (load_study.h fills it from a registry), so the
// writers can be tested on hand-built studies.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/registry/records.h"
#include "slimlm/search/objective.h"

namespace slimlm::report {

struct MetricValue {
  double value = 0;
  std::string unit;
  std::optional<double> std_error;
};

// Metric name ("kld/mean") -> value; ordered by name so every writer lists
// metrics in the same order.
using MetricMap = std::map<std::string, MetricValue>;

// One parameter of a trial's candidate, as the sampler wrote it ("gptq", "4").
struct ParamValue {
  std::string name;
  std::string text;  // JSON scalars as text: strings unquoted, numbers as written
};

struct TrialData {
  int64_t number = 0;
  int64_t generation = 0;
  std::string stage;  // "proxy" or "full"
  registry::TrialState state = registry::TrialState::kPending;
  std::vector<ParamValue> params;     // in the sampler's order
  std::string params_json;            // as stored
  std::string summary;                // one line: the run's summary, else the params
  std::vector<double> objectives;     // original direction, one per study objective (empty: none)
  std::vector<double> proxy_objectives;
  double violation = 0;               // 0 = feasible
  std::string error;
  std::optional<int64_t> run_id;
  std::string artifact_path;
  std::string recipe_json;            // the run's pipeline (canonical JSON), "" if no run
  MetricMap metrics;                  // of its run
  bool on_frontier = false;           // derived: mark_frontier()

  bool feasible() const { return violation <= 0; }
  // Complete with a finite value for each of `n` objectives.
  bool measured(size_t n) const;
};

// A run of the study that is not a trial: the original model's evaluation
// ("baseline"), fixed baseline recipes, plain evals.
struct ReferenceRun {
  int64_t id = 0;
  std::string kind;
  std::string summary;
  std::string recipe_json;
  registry::RunStatus status = registry::RunStatus::kCompleted;
  std::string error;
  MetricMap metrics;
};

struct SensitivityCell {
  int64_t layer = 0;
  std::string variant;  // "int4 g128", "wanda 50%"
  std::string metric;   // "kld/mean"
  double value = 0;
};

// How well the study's cheap proxy ranked candidates against their full
// evaluations, for one objective: Spearman's rank correlation of the
// predicted and the measured values (1 = the same order, 0 = unrelated,
// negative = reversed), as the runner stored it (study blob
// "proxy_spearman"), over the complete trials that have both values finite.
struct ProxyCorrelation {
  std::string metric;
  std::optional<double> rho;  // nullopt: undefined (fewer than 2 pairs, or one side constant)
  size_t trials = 0;          // pairs it was computed over
};

struct StudyData {
  std::string name;
  std::string config_yaml;
  std::string sampler;
  std::vector<search::Objective> objectives;
  std::string status;  // "running", "completed", "killed", "failed"
  std::string created_at, updated_at;
  std::string model;            // base model folder (from the study's runs)
  std::string hardware_json;    // fingerprint of the machine that ran them
  std::string slimlm_version;
  std::vector<TrialData> trials;       // by number
  std::vector<ReferenceRun> references;
  std::vector<SensitivityCell> sensitivity;
  std::vector<ProxyCorrelation> proxy_correlation;  // in objective order; empty: no proxy (or not finished)

  // Trials whose on_frontier is set, in trial order.
  std::vector<const TrialData*> frontier() const;
  const TrialData* trial(int64_t number) const;
  size_t count(registry::TrialState state) const;
};

// Sets on_frontier on every trial: the first non-dominated front, under the
// objectives' directions, of the trials that are feasible and measured
// (complete, one finite value per objective). Proxy predictions never count.
void mark_frontier(StudyData& study);

// Whether any trial carries proxy predictions, one per objective (then the
// trial tables show them beside the measured values).
bool has_proxy_predictions(const StudyData& study);

// The position of `metric` among the study's objectives, if it is one.
std::optional<size_t> objective_index(const StudyData& study, std::string_view metric);

// The number of (predicted, measured) pairs for objective `index`: complete
// trials with a finite measurement and prediction of it — the pairs the
// runner's Spearman rho was computed over.
size_t proxy_pair_count(const StudyData& study, size_t index);

// The value of `metric` for a trial: its objective value when `metric` is a
// study objective and the trial was measured, else its run's metric.
std::optional<double> metric_value(const StudyData& study, const TrialData& t, std::string_view metric);

}  // namespace slimlm::report
