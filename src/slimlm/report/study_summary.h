#pragma once
// The one-line descriptions every report format opens with: the machine, the
// trial counts, the objectives, a candidate's parameters.
#include <string>
#include <vector>

#include "slimlm/report/study_data.h"

namespace slimlm::report {

// "AMD EPYC 9654, 2 cores, avx512, 7.6 GiB, Linux 6.1 x86_64" from a
// registry::hardware_fingerprint_json() text; the text itself if it is not
// such an object; "" for "".
std::string hardware_summary(const std::string& fingerprint_json);

// "9 trials: 6 complete, 2 failed, 1 skipped" (states with no trial left out).
std::string trial_counts_text(const StudyData& study);

// "kld/mean (minimize), model/file_bytes (minimize)".
std::string objectives_text(const StudyData& study);

// "kld/mean ρ = 0.956 over 12 trials, model/file_bytes ρ = 1.000 over 12
// trials" (ρ: Spearman's rank correlation of the proxy's predictions with the
// measurements; "ρ undefined" when it could not be computed); "" without a
// proxy.
std::string proxy_correlation_text(const StudyData& study);

// "quantize.method=gptq, quantize.bits=4": a trial without a run summary.
std::string params_summary(const std::vector<ParamValue>& params);

// Pretty-printed JSON of a recipe, or the text as is when it is not JSON.
std::string pretty_recipe(const std::string& recipe_json);

}  // namespace slimlm::report
