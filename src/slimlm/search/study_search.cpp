// The generations of a study: propose, rank by the proxy, record the plan,
// evaluate the chosen, learn from the duplicates (study_run.h).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/search/recipe_space.h"
#include "slimlm/search/study_run.h"

namespace slimlm::search::detail {
namespace {

using Json = nlohmann::ordered_json;
using registry::TrialRecord;
using registry::TrialState;

// Generations in a row that add no full evaluation (every proposal invalid
// or a recipe already evaluated) before the search gives up.
constexpr int kMaxIdleGenerations = 20;

}  // namespace

std::vector<compress::PipelineStep> StudyRun::steps_of(const TrialRecord& t) const {
  const Json p = Json::parse(t.params_json);
  if (p.contains("baseline")) {
    const std::string name = p["baseline"].get<std::string>();
    for (const auto& b : c_.baselines) {
      if (b.name == name) return b.pipeline;
    }
    throw ConfigError(fmt::format("trial {}: baseline '{}' is not in the config", t.number, name));
  }
  if (p.contains("pipeline")) return c_.pipeline;
  const auto cand = candidate_of(t);
  if (!cand) throw ConfigError(fmt::format("trial {}: parameters {} are not in the search space", t.number, t.params_json));
  return candidate_pipeline(c_, space_, *cand);
}

std::optional<Candidate> StudyRun::candidate_of(const TrialRecord& t) const {
  if (!c_.search) return std::nullopt;
  nlohmann::json p = nlohmann::json::parse(t.params_json);
  if (p.contains("pipeline")) return std::nullopt;
  if (p.contains("baseline")) {
    p.erase("baseline");
    if (p.empty()) return std::nullopt;  // a baseline outside the space
  }
  return space_.from_json(p);
}

int64_t StudyRun::full_evaluations() const {
  int64_t n = 0;
  for (const auto& t : reg_->trials(study_.id)) {
    if (t.generation < 0 || t.stage != "full") continue;
    if (t.state == TrialState::kComplete || (t.state == TrialState::kFailed && t.run_id)) ++n;
  }
  return n;
}

void StudyRun::evaluate_pending() {
  for (const auto& t : reg_->trials(study_.id)) {
    if (stopped_) return;
    if (t.generation >= 0 && t.stage == "full" && (t.state == TrialState::kPending || t.state == TrialState::kRunning)) {
      evaluate(t, "trial");
    }
  }
}

void StudyRun::run_search() {
  if (!c_.search) return;
  int idle = 0;
  while (!stopped_) {
    if (const auto plan = reg_->blob(study_.id, "generation_plan"); plan && *plan != "{}") add_planned(Json::parse(*plan));
    evaluate_pending();
    if (stopped_) return;
    resolve_duplicates();
    const int64_t done = full_evaluations();
    if (done >= search_.trials) break;
    const auto trials = reg_->trials(study_.id);
    int64_t generation = 0;
    std::vector<Observation> history;
    for (const auto& t : trials) {
      generation = std::max(generation, t.generation + 1);
      const auto x = candidate_of(t);
      if (!x) continue;
      Observation o;
      o.x = *x;
      o.generation = t.generation;
      o.violation = t.violation;
      const bool measured = !t.objectives.empty() &&
                            (t.state == TrialState::kComplete || t.state == TrialState::kSkipped);
      if (measured) o.objectives = to_minimization(t.objectives, c_.objectives);
      // Candidates the proxy passed over, and failures, rank behind
      // everything that was measured.
      o.failed = !measured;
      history.push_back(std::move(o));
    }
    const int64_t want = std::min<int64_t>(search_.population, search_.trials - done);
    const int64_t count = proxy_ ? std::max<int64_t>(want, search_.proxy.candidates) : want;
    const SamplerContext ctx{space_, history, static_cast<size_t>(count), search_.seed, generation,
                             static_cast<size_t>(search_.population)};
    const std::vector<Candidate> proposed = sampler_->propose(ctx);
    if (proposed.empty()) {
      o_.print(fmt::format("search space exhausted after {} full evaluations", done));
      break;
    }
    const int64_t before = full_evaluations();
    plan_generation(generation, proposed, want);
    evaluate_pending();
    if (stopped_) return;
    idle = full_evaluations() > before ? 0 : idle + 1;
    if (idle >= kMaxIdleGenerations) {
      log::warn("{} generations in a row proposed nothing new to evaluate; stopping the search", idle);
      break;
    }
  }
  if (!stopped_) resolve_duplicates();
}

void StudyRun::plan_generation(int64_t generation, const std::vector<Candidate>& candidates, int64_t want) {
  // Recipes already evaluated or planned: identical pipelines run once.
  std::map<std::string, int64_t> recipes;
  const auto existing = reg_->trials(study_.id);
  const auto first_number = static_cast<int64_t>(existing.size());  // add_trial numbers in order
  for (const auto& t : existing) {
    if (t.state == TrialState::kSkipped || (t.state == TrialState::kFailed && !t.run_id)) continue;
    try {
      recipes.emplace(recipe_key(steps_of(t)), t.number);
    } catch (const Error&) {
    }
  }
  std::vector<TrialRecord> plan(candidates.size());
  std::vector<size_t> rankable;
  std::vector<Point> predicted;
  std::vector<double> violations;
  std::map<std::string, size_t> in_batch;
  for (size_t i = 0; i < candidates.size(); ++i) {
    TrialRecord& t = plan[i];
    t.study_id = study_.id;
    t.generation = generation;
    t.params_json = space_.to_json(candidates[i]).dump();
    t.params_key = space_.key(candidates[i]);
    t.stage = proxy_ ? "proxy" : "full";
    t.state = TrialState::kSkipped;
    try {
      const auto steps = candidate_pipeline(c_, space_, candidates[i], model_);
      const std::string key = recipe_key(steps);
      if (const auto it = recipes.find(key); it != recipes.end()) {
        t.error = fmt::format("same recipe as trial {}", it->second);
        continue;
      }
      if (const auto it = in_batch.find(key); it != in_batch.end()) {
        t.error = fmt::format("same recipe as trial {}", first_number + static_cast<int64_t>(it->second));
        continue;
      }
      in_batch.emplace(key, i);
      if (proxy_) {
        const ProxyPrediction p = proxy_->predict(steps);
        t.proxy_objectives = proxy_->objectives(p, c_.objectives);
        predicted.push_back(to_minimization(t.proxy_objectives, c_.objectives));
        violations.push_back(constraint_violation(c_.constraints, c_.evaluation.speed, proxy_->predicted_metrics(p), original_));
        for (double& v : predicted.back()) {
          if (std::isnan(v)) v = std::numeric_limits<double>::infinity();
        }
      }
      rankable.push_back(i);
    } catch (const ConfigError& e) {
      t.state = TrialState::kFailed;
      t.error = e.what();
    }
  }
  std::vector<size_t> chosen = rankable;
  if (proxy_) {
    chosen.clear();
    for (size_t r : rank_by_prediction(predicted, violations)) chosen.push_back(rankable[r]);
  }
  if (chosen.size() > static_cast<size_t>(want)) chosen.resize(static_cast<size_t>(want));
  for (size_t i : chosen) {
    plan[i].stage = "full";
    plan[i].state = TrialState::kPending;
  }
  // Recorded as one plan first, so a kill between two add_trial calls
  // cannot leave half a generation.
  Json j = {{"generation", generation}, {"trials", Json::array()}};
  for (const TrialRecord& t : plan) {
    j["trials"].push_back({{"params", t.params_json}, {"key", t.params_key}, {"stage", t.stage},
                           {"state", std::string(registry::to_string(t.state))}, {"proxy", t.proxy_objectives},
                           {"error", t.error}});
  }
  reg_->put_blob(study_.id, "generation_plan", j.dump());
  add_planned(j);
}

void StudyRun::add_planned(const Json& plan) {
  for (const auto& e : plan["trials"]) {
    const std::string key = e["key"].get<std::string>();
    if (reg_->find_trial(study_.id, key)) continue;
    TrialRecord t;
    t.study_id = study_.id;
    t.generation = plan["generation"].get<int64_t>();
    t.params_json = e["params"].get<std::string>();
    t.params_key = key;
    t.stage = e["stage"].get<std::string>();
    t.state = *registry::trial_state_from_string(e["state"].get<std::string>());
    t.proxy_objectives = e["proxy"].get<std::vector<double>>();
    t.error = e["error"].get<std::string>();
    const TrialRecord added = reg_->add_trial(t);
    if (added.state != t.state || !t.proxy_objectives.empty() || !t.error.empty()) {
      TrialRecord u = added;
      u.state = t.state;
      u.proxy_objectives = t.proxy_objectives;
      u.error = t.error;
      reg_->update_trial(u);
    }
  }
  reg_->put_blob(study_.id, "generation_plan", "{}");
}

// A candidate skipped as a repeat of an evaluated recipe takes that trial's
// measurement, so the samplers learn from it like from the original.
void StudyRun::resolve_duplicates() {
  const auto trials = reg_->trials(study_.id);
  for (auto t : trials) {
    if (t.state != TrialState::kSkipped || !t.objectives.empty() || !t.error.starts_with("same recipe as")) continue;
    const std::string key = recipe_key(steps_of(t));
    for (const auto& o : trials) {
      if (o.number == t.number || o.state != TrialState::kComplete) continue;
      if (recipe_key(steps_of(o)) != key) continue;
      t.objectives = o.objectives;
      t.violation = o.violation;
      t.run_id = o.run_id;
      t.error = fmt::format("same recipe as trial {}", o.number);
      reg_->update_trial(t);
      break;
    }
  }
}

}  // namespace slimlm::search::detail
