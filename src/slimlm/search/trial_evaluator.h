#pragma once
// Evaluates the models of a study the way its config says (evaluation:
// text, ctx, windows, tasks, speed, carbon) and always against the same
// original: the original model is loaded once, its next-token distributions
// on the evaluation windows are computed once and kept in memory (up to a
// budget), and every candidate's KL divergence, perplexity and perplexity
// ratio come from one forward pass of the candidate over those windows.
//
// Metric rows are eval::ModelEvaluation::metrics()'s, with two differences a
// study needs: perplexity/* is measured on the KLD windows (the same tokens,
// so perplexity/ppl equals kld's model perplexity), and memory/peak_rss is the
// candidate's own peak — the process's peak while it was evaluated, less what
// the original model and the cache already held — so that a study's memory
// figures do not all include the original.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "slimlm/compress/pipeline.h"
#include "slimlm/eval/tasks/task_types.h"
#include "slimlm/registry/records.h"
#include "slimlm/search/constraints.h"
#include "slimlm/search/study_config.h"

namespace slimlm::model {
class Model;
}
namespace slimlm::tokenizer {
class Tokenizer;
}

namespace slimlm::registry {
class Registry;
}

namespace slimlm::search {

// What a trial's run records besides the trial (TrialEvaluator::run_trial).
struct TrialContext {
  registry::Registry* registry = nullptr;
  int64_t study_id = 0;
  std::string base_model_hash, hardware, slimlm_version;
  MetricValues original;         // the original's metrics (constraints compare with them)
  bool keep_artifact = true;     // record the model folder as the run's artifact
  // Called inside the failure boundary before the compression (tests inject failures).
  std::function<void(int64_t trial_number, const std::string& summary)> before_trial;
};

// One trial to run: its pipeline, or the problem that makes it invalid.
struct TrialJob {
  std::string kind = "trial";  // the run's kind: "trial" or "baseline"
  std::vector<compress::PipelineStep> steps;
  std::string problem;         // non-empty: the trial fails with it
  std::filesystem::path folder;  // where the compressed model goes
  bool stop_before_work = false;  // tests: begin the run, then return as a kill would
};

struct TrialReport {
  registry::TrialState state = registry::TrialState::kPending;
  std::string summary;
  std::string note;  // the violated constraints, or the error
  double seconds = 0;
};

class TrialEvaluator {
 public:
  // Loads the original model and tokenizer of config.model and tokenizes
  // evaluation.text. cache_budget_bytes bounds the original's cached logits
  // (beyond it, windows are scored again for every candidate).
  explicit TrialEvaluator(const StudyConfig& config, uint64_t cache_budget_bytes = uint64_t{1} << 30);
  ~TrialEvaluator();
  TrialEvaluator(const TrialEvaluator&) = delete;
  TrialEvaluator& operator=(const TrialEvaluator&) = delete;

  // The original model. Mutable so that the sensitivity measurement can swap
  // one layer's Linears in and out; it must be restored before the next call.
  model::Model& original();
  const std::filesystem::path& original_dir() const;
  const io::ModelConfig& original_config() const;
  bool has_text() const;        // evaluation.text given: KLD and perplexity measured
  int64_t windows() const;      // evaluation windows scored per candidate (0 without text)

  // The original model's evaluation: footprint, perplexity, tasks, speed,
  // memory, energy; kld/* rows are those of a model against itself (0, 1).
  std::vector<eval::Metric> evaluate_original();

  // A candidate model folder's evaluation.
  std::vector<eval::Metric> evaluate(const std::filesystem::path& model_dir);

  // Mean KL divergence of `m` from the original on the first `windows`
  // evaluation windows (the sensitivity measurement; no tasks, no speed).
  // ConfigError without evaluation text.
  double kld_mean(const model::Model& m, int64_t windows);

  // Runs one trial inside the study's failure boundary (DESIGN.md: the
  // search runner is the one place besides main that catches): begins its
  // run ('running', the trial 'running'), compresses into job.folder,
  // evaluates, and finishes the run with every metric in one transaction and
  // the trial with its objectives (config order, original direction) and
  // constraint violation. Any exception fails the run and the trial with its
  // message, removes the folder, and is not rethrown. Registry errors of the
  // failure record itself propagate.
  TrialReport run_trial(registry::TrialRecord& trial, const TrialJob& job, const TrialContext& ctx);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

}  // namespace slimlm::search
