#pragma once
// Reads one study out of the experiment registry into a StudyData: the study
// record, its trials (with the summary, recipe, artifact and metrics of the
// run that evaluated each), its other runs (baseline and reference
// evaluations), its per-layer sensitivities, and the proxy's rank
// correlation with full evaluation (study blob "proxy_spearman"); then marks
// the frontier.
#include <string>

#include "slimlm/registry/registry.h"
#include "slimlm/report/study_data.h"

namespace slimlm::report {

// study_name empty: the most recently created study. ConfigError when the
// registry holds no study, or none of that name (the message lists the known
// ones); FormatError naming the study when its objectives JSON or its
// "proxy_spearman" blob is malformed.
StudyData load_study_data(const registry::Registry& registry, const std::string& study_name);

// Parses a study's objectives_json ([{"metric":..,"direction":..}, ...]);
// FormatError naming `what` on malformed input.
std::vector<search::Objective> parse_objectives(const std::string& json, const std::string& what);

// The parameters of a stored candidate, in its order; scalars as text.
std::vector<ParamValue> parse_params(const std::string& params_json);

}  // namespace slimlm::report
