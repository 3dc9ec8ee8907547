#pragma once
// Runs a study (`slimlm optimize CONFIG`): the original model evaluated
// once, the config's baselines, the per-layer sensitivity the proxy needs,
// then generations of candidates — the sampler proposes, the proxy ranks,
// the best get a full evaluation (compress, load, evaluate, record) — and at
// the end the Pareto frontier, printed and kept on disk.
//
// Everything is recorded in <output>/study.db as it happens, so a study
// killed at any point (Ctrl-C, SIGTERM, a crash) resumes: the run in flight
// stays 'running' and is reaped as 'killed', its trial goes back to pending
// and is evaluated again, completed trials are reused, and the samplers,
// which are functions of the recorded history, propose what the
// uninterrupted study would have. Given the same config and seed the trials
// (their parameters and order) are the same; measured values are too,
// except timings (speed, energy) — a study whose objectives include speed is
// steered by timing and is only as repeatable as its timings.
//
// This is one of the two places that catch exceptions (DESIGN.md): a trial
// that throws is recorded as failed with its error, and the search goes on.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/search/frontier.h"
#include "slimlm/search/study_config.h"

namespace slimlm::search {

struct RunnerOptions {
  bool restart = false;  // an existing study of the same name is archived as "<name>-<timestamp>"
  std::optional<int64_t> trials;       // overrides search.trials (full evaluations)
  std::optional<std::string> sampler;  // overrides search.sampler
  std::optional<uint64_t> seed;        // overrides search.seed
  std::string slimlm_version;          // recorded with every run
  int64_t sensitivity_windows = 4;     // evaluation windows per sensitivity cell
  // Tests: after this many full evaluations in this call, begin the next
  // trial's run and return as a kill would (the run left 'running').
  std::optional<int64_t> stop_after_trials;
  // Tests: called inside the failure boundary before a trial's compression;
  // what it throws fails that trial.
  std::function<void(int64_t trial_number, const std::string& summary)> before_trial;
  // Where progress lines and the frontier table go (default: stdout).
  std::function<void(std::string_view line)> print;
};

struct StudyOutcome {
  std::string name;
  int64_t study_id = 0;
  std::filesystem::path db, output;
  bool resumed = false;
  bool stopped = false;  // stop_after_trials ended the call
  int64_t complete = 0, failed = 0, skipped = 0;  // trials by state at the end
  int64_t evaluated = 0;                           // full evaluations run by this call
  std::vector<FrontierRow> frontier;
  std::string frontier_table;
  // Spearman rho of the proxy's predicted vs measured value of each
  // objective over the complete full trials (NaN when undefined).
  std::vector<std::pair<std::string, double>> proxy_rho;
};

// Throws ConfigError before any work for a study of the same name whose
// config differs (change `name` or pass restart), or one another live
// process is running; the errors of loading the original model; and IoError
// for the output folder. Trial failures are recorded, never thrown.
StudyOutcome run_study(const StudyConfig& config, const RunnerOptions& options);

// What run_study would do, without doing it (slimlm optimize --dry-run).
struct StudyPlan {
  std::string sampler;
  uint64_t seed = 0;
  size_t parameters = 0;
  uint64_t space_size = 0;        // grid points (0: continuous)
  int64_t baselines = 0;
  int64_t full_trials = 0;        // search trials (full evaluations)
  int64_t population = 0;
  int64_t generations = 0;        // at least, full_trials / population rounded up
  int64_t proxy_candidates = 0;   // ranked by the proxy per generation (0: no proxy)
  std::vector<std::string> sensitivity_variants;
  int64_t layers = 0;
  int64_t sensitivity_cells = 0;         // variants x layers forward passes over the windows
  int64_t sensitivity_compressions = 0;  // whole-model compressions (drop needs none)
  int64_t sensitivity_windows = 0;       // windows scored per cell
  int64_t windows = 0;                   // evaluation windows per full evaluation
  bool resume_possible = false;          // <output>/study.db exists

  std::string text() const;
};
StudyPlan plan_study(const StudyConfig& config, const RunnerOptions& options);

}  // namespace slimlm::search
