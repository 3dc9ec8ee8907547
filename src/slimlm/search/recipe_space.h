#pragma once
// From a study config's search section to a SearchSpace and back: each
// space key "<op>.<param>" is one parameter (quantize.layer_formats with
// {per_layer: [...]} is one per decoder layer, "quantize.layer_formats.0"
// ... ".{L-1}"), and a candidate becomes a pipeline by setting each value
// on its template step. A value "none" for a method, or a zero amount
// (sparsity, ratio, count), removes the step.
#include <optional>
#include <vector>

#include "slimlm/compress/pipeline.h"
#include "slimlm/io/model_config.h"
#include "slimlm/search/search_space.h"
#include "slimlm/search/study_config.h"

namespace slimlm::search {

// ConfigError when the config has no search section.
SearchSpace build_search_space(const StudyConfig& config, const io::ModelConfig& model);

// The pipeline of a candidate, checked (compress::validate_pipeline): an
// invalid combination (e.g. gptq after an unstructured prune, a format a
// tensor cannot take when `model` is given) throws ConfigError, which the
// runner records as a failed trial.
std::vector<compress::PipelineStep> candidate_pipeline(const StudyConfig& config, const SearchSpace& space,
                                                       const Candidate& candidate);
std::vector<compress::PipelineStep> candidate_pipeline(const StudyConfig& config, const SearchSpace& space,
                                                       const Candidate& candidate, const io::ModelConfig& model);

// The inverse: the candidate whose pipeline is `steps` (e.g. a baseline, to
// seed a search with it), or nullopt when some value lies outside the space.
std::optional<Candidate> pipeline_candidate(const StudyConfig& config, const SearchSpace& space,
                                            const std::vector<compress::PipelineStep>& steps);

}  // namespace slimlm::search
