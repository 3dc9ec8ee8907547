#pragma once
// study.json: the whole StudyData — study, every trial with its params,
// objectives, proxy predictions and metrics, reference runs, sensitivities,
// the proxy's rank correlation per objective (study.proxy_spearman: metric ->
// {rho, trials}) — plus the frontier's trial numbers. Recipes and the hardware fingerprint are
// embedded as JSON when they parse, as strings otherwise. NaN and infinities
// are written as null.
#include <nlohmann/json.hpp>

#include <string>

#include "slimlm/report/study_data.h"

namespace slimlm::report {

nlohmann::ordered_json study_to_json(const StudyData& study);
std::string study_json(const StudyData& study);  // pretty, 2-space indent, trailing newline

nlohmann::ordered_json metrics_to_json(const MetricMap& metrics);

}  // namespace slimlm::report
