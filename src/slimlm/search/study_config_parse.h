#pragma once
// Internal to the study config parser: the parts split across
// study_config.cpp (top level, evaluation, objectives, constraints),
// study_config_search.cpp (pipelines, baselines, the search section) and
// study_metrics.cpp (metric names).
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "slimlm/compress/pipeline.h"
#include "slimlm/io/model_config.h"
#include "slimlm/search/study_config.h"
#include "slimlm/search/study_config_yaml.h"

namespace slimlm::search::detail {

// A list of one-op steps under `path`, checked (keys, order, shapes against
// `model`, calibration available) with errors at the offending key's line.
std::vector<compress::PipelineStep> parse_pipeline_yaml(const yaml::Source& src, const YAML::Node& node,
                                                        const std::string& path, int parent_line,
                                                        const io::ModelConfig& model,
                                                        const CalibrationConfig& calibration);

std::vector<Baseline> parse_baselines(const yaml::Source& src, const YAML::Node& node, int parent_line,
                                      const io::ModelConfig& model, const CalibrationConfig& calibration);

SearchConfig parse_search(const yaml::Source& src, const YAML::Node& node, int parent_line,
                          const io::ModelConfig& model, const CalibrationConfig& calibration);

// The metric a name stands for under this config ("model/bytes" ->
// "model/file_bytes"), or "" with `problem` set (unknown name, or a metric
// the config does not measure, saying what would).
std::string resolve_metric(const StudyConfig& config, const std::string& name, std::string& problem);

// Whether `metric` (resolved) comes from a configured task.
bool is_task_metric(const StudyConfig& config, const std::string& metric);

}  // namespace slimlm::search::detail
