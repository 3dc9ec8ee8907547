#include "slimlm/report/study_data.h"

#include <algorithm>
#include <cmath>

#include "slimlm/search/pareto.h"

namespace slimlm::report {

bool TrialData::measured(size_t n) const {
  if (state != registry::TrialState::kComplete || objectives.size() != n || n == 0) return false;
  return std::all_of(objectives.begin(), objectives.end(), [](double v) { return std::isfinite(v); });
}

std::vector<const TrialData*> StudyData::frontier() const {
  std::vector<const TrialData*> out;
  for (const auto& t : trials) {
    if (t.on_frontier) out.push_back(&t);
  }
  return out;
}

const TrialData* StudyData::trial(int64_t number) const {
  for (const auto& t : trials) {
    if (t.number == number) return &t;
  }
  return nullptr;
}

size_t StudyData::count(registry::TrialState state) const {
  return static_cast<size_t>(
      std::count_if(trials.begin(), trials.end(), [&](const TrialData& t) { return t.state == state; }));
}

void mark_frontier(StudyData& study) {
  const size_t n = study.objectives.size();
  std::vector<size_t> candidates;
  std::vector<std::vector<double>> points;
  for (size_t i = 0; i < study.trials.size(); ++i) {
    auto& t = study.trials[i];
    t.on_frontier = false;
    if (!t.feasible() || !t.measured(n)) continue;
    candidates.push_back(i);
    points.push_back(search::to_minimization(t.objectives, study.objectives));
  }
  if (points.empty()) return;
  for (size_t k : search::pareto_front(points)) study.trials[candidates[k]].on_frontier = true;
}

bool has_proxy_predictions(const StudyData& study) {
  const size_t n = study.objectives.size();
  return n > 0 && std::any_of(study.trials.begin(), study.trials.end(),
                              [&](const TrialData& t) { return t.proxy_objectives.size() == n; });
}

std::optional<size_t> objective_index(const StudyData& study, std::string_view metric) {
  for (size_t i = 0; i < study.objectives.size(); ++i) {
    if (study.objectives[i].metric == metric) return i;
  }
  return std::nullopt;
}

size_t proxy_pair_count(const StudyData& study, size_t index) {
  const size_t n = study.objectives.size();
  if (index >= n) return 0;
  // The same filter as search::proxy_rank_correlation (which the report
  // cannot link: it lives with the study runner).
  return static_cast<size_t>(std::count_if(study.trials.begin(), study.trials.end(), [&](const TrialData& t) {
    return t.state == registry::TrialState::kComplete && t.objectives.size() == n && t.proxy_objectives.size() == n &&
           std::isfinite(t.objectives[index]) && std::isfinite(t.proxy_objectives[index]);
  }));
}

std::optional<double> metric_value(const StudyData& study, const TrialData& t, std::string_view metric) {
  for (size_t i = 0; i < study.objectives.size(); ++i) {
    if (study.objectives[i].metric == metric && t.measured(study.objectives.size())) return t.objectives[i];
  }
  if (auto it = t.metrics.find(std::string(metric)); it != t.metrics.end()) return it->second.value;
  return std::nullopt;
}

}  // namespace slimlm::report
