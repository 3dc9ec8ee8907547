#pragma once
// Hand-built studies for the report tests (no registry, no model).
#include <cmath>
#include <string>
#include <vector>

#include "slimlm/report/study_data.h"

namespace slimlm::report::test {

using registry::TrialState;
using search::Direction;

inline TrialData make_trial(int64_t number, TrialState state, std::vector<double> objectives, double violation = 0,
                            std::string summary = {}) {
  TrialData t;
  t.number = number;
  t.generation = number / 4;
  t.stage = "full";
  t.state = state;
  t.objectives = std::move(objectives);
  t.violation = violation;
  t.summary = summary.empty() ? "rtn int" + std::to_string(2 + number % 7) : std::move(summary);
  t.params = {{"quantize.method", number % 2 ? "gptq" : "rtn"}, {"quantize.bits", std::to_string(2 + number % 7)}};
  t.params_json = "{\"quantize.method\":\"" + t.params[0].text + "\",\"quantize.bits\":" + t.params[1].text + "}";
  t.run_id = 100 + number;
  t.recipe_json = "{\"pipeline\":[{\"pass\":\"quantize\",\"bits\":" + t.params[1].text + "}]}";
  return t;
}

// Two objectives, kld/mean minimised and speed/tg128 maximised:
//   #0 (0.10, 50) #1 (0.05, 40) #2 (0.20, 45) #3 (0.02, 30)
//   #4 (0.01, 60) infeasible   #5 failed   #6 skipped, proxy (0.001, 100)
//   #7 (0.05, 40) same as #1   #8 (0.30, 55)
// Frontier {0, 1, 3, 7, 8}: #2 is dominated by #0; #4 is infeasible; #6 is
// only a prediction. Were speed minimised, the frontier would be {3} alone.
inline StudyData two_objective_study() {
  StudyData s;
  s.name = "two-objectives";
  s.sampler = "nsga2";
  s.status = "completed";
  s.model = "models/tiny-llama";
  s.objectives = {{"kld/mean", Direction::kMinimize}, {"speed/tg128", Direction::kMaximize}};
  const std::vector<std::pair<double, double>> v = {{0.10, 50}, {0.05, 40}, {0.20, 45}, {0.02, 30}, {0.01, 60},
                                                    {0, 0},     {0, 0},     {0.05, 40}, {0.30, 55}};
  for (int64_t i = 0; i < 9; ++i) {
    const auto [kld, tg] = v[static_cast<size_t>(i)];
    TrialData t = make_trial(i, TrialState::kComplete, {kld, tg}, i == 4 ? 0.5 : 0.0);
    if (i == 5) {
      t.state = TrialState::kFailed;
      t.objectives.clear();
      t.error = "gptq: Hessian of layer 3 is not positive definite";
    } else if (i == 6) {
      t.state = TrialState::kSkipped;
      t.stage = "proxy";
      t.objectives.clear();
      t.proxy_objectives = {0.001, 100};
      t.run_id.reset();
      t.recipe_json.clear();
    } else {
      t.metrics["kld/mean"] = {kld, "nats", 0.001};
      t.metrics["speed/tg128"] = {tg, "tokens/s", std::nullopt};
      t.metrics["model/file_bytes"] = {1e6 * static_cast<double>(2 + i % 7), "bytes", std::nullopt};
    }
    s.trials.push_back(std::move(t));
  }
  mark_frontier(s);
  return s;
}

}  // namespace slimlm::report::test
