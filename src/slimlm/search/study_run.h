#pragma once
// The study runner's state, shared by its two halves: study_runner.cpp
// (opening or resuming the study, the original, the proxy, baselines, one
// trial, the end) and study_search.cpp (the generations). Internal to the
// search layer; the API is study_runner.h.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slimlm/core/timer.h"
#include "slimlm/registry/registry.h"
#include "slimlm/search/proxy.h"
#include "slimlm/search/sampler.h"
#include "slimlm/search/study_runner.h"
#include "slimlm/search/trial_evaluator.h"

namespace slimlm::search::detail {

// Canonical text of a pipeline: equal for candidates that compress alike.
std::string recipe_key(const std::vector<compress::PipelineStep>& steps);
MetricValues values_of(const std::vector<registry::MetricRecord>& metrics);
// search.proxy.sensitivity, plus "drop" when the space removes structure.
std::vector<std::string> sensitivity_variants(const SearchConfig& s);

class StudyRun {
 public:
  StudyRun(const StudyConfig& c, const RunnerOptions& o);
  StudyOutcome run();

 private:
  // study_runner.cpp
  void open_study();
  void evaluate_original();
  void prepare_proxy();
  void run_baselines();
  bool evaluate(registry::TrialRecord t, const char* kind);  // false: stopped (stop_after_trials)
  void finish(StudyOutcome& out);
  // study_search.cpp
  void run_search();
  void plan_generation(int64_t generation, const std::vector<Candidate>& candidates, int64_t want);
  void add_planned(const nlohmann::ordered_json& plan);
  void evaluate_pending();
  void resolve_duplicates();
  std::vector<compress::PipelineStep> steps_of(const registry::TrialRecord& t) const;
  std::optional<Candidate> candidate_of(const registry::TrialRecord& t) const;
  int64_t full_evaluations() const;  // search trials evaluated (complete, or failed in their run)

  StudyConfig c_;
  RunnerOptions o_;
  SearchConfig search_;  // with the options' overrides
  std::filesystem::path db_path_;
  std::optional<registry::Registry> reg_;
  registry::StudyRecord study_;
  bool resumed_ = false;
  std::optional<TrialEvaluator> evaluator_;
  io::ModelConfig model_;
  std::string base_hash_, hardware_;
  MetricValues original_;
  SearchSpace space_;
  std::unique_ptr<Sampler> sampler_;
  std::optional<Proxy> proxy_;
  TrialContext trial_context_;
  int64_t evaluated_ = 0;
  double eval_seconds_ = 0;
  bool stopped_ = false;
  Timer clock_;
};

}  // namespace slimlm::search::detail
