// Broken study configs are rejected with the line and key path at fault:
// "FILE:LINE: key 'a.b.c': problem".
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "slimlm/core/error.h"
#include "slimlm/search/study_config.h"

namespace slimlm::search {
namespace {

namespace fs = std::filesystem;
const fs::path kOrigin = fs::path(SLIMLM_SOURCE_DIR) / "configs" / "broken.yaml";

// Lines 1-3 of most cases: a valid start.
const std::string kHead =
    "model: ../models/tiny-llama\n"
    "calibration: {text: ../tests/data/war-and-peace-heldout.txt}\n"
    "evaluation: {text: ../tests/data/war-and-peace-heldout.txt}\n";

struct Broken {
  std::string name;
  std::string yaml;
  int line;              // 0: not checked
  std::string key;       // the key path named; "" when the message names none
  std::string fragment;  // part of the problem text
};

void PrintTo(const Broken& b, std::ostream* os) { *os << b.name; }

std::string error_of(const std::string& yaml) {
  try {
    parse_study_config(yaml, kOrigin);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(accepted)";
}

class BrokenConfig : public testing::TestWithParam<Broken> {};

TEST_P(BrokenConfig, IsRejectedAtItsLineAndKey) {
  const Broken& b = GetParam();
  const std::string msg = error_of(b.yaml);
  const std::string where = b.line > 0 ? kOrigin.string() + ":" + std::to_string(b.line) + ": " : kOrigin.string() + ":";
  EXPECT_TRUE(msg.starts_with(where)) << msg;
  if (!b.key.empty()) {
    EXPECT_NE(msg.find("key '" + b.key + "': "), std::string::npos) << msg;
  }
  EXPECT_NE(msg.find(b.fragment), std::string::npos) << msg;
}

const Broken kBroken[] = {
    {"unknown_key", kHead + "evaluaton: {ctx: 128}\n", 4, "evaluaton", "did you mean 'evaluation'?"},
    {"wrong_type", kHead + "search:\n  trials: many\n  space: {quantize.format: [int8]}\n", 5, "search.trials",
     "expected an integer, got the text \"many\""},
    {"bad_format_name", kHead + "pipeline:\n  - quantize: {method: rtn, format: int5}\n", 5,
     "pipeline[0].quantize.format", "unknown format 'int5'"},
    {"missing_model", "calibration: {text: ../tests/data/war-and-peace-heldout.txt}\n", 1, "model",
     "missing: the Hugging Face model folder"},
    {"no_model_folder", "model: ../models/nothing-here\n", 1, "model", "is not a model folder"},
    {"bad_size_text", kHead + "constraints:\n  max_bytes: 30 MBs\n", 5, "constraints.max_bytes",
     "expected a size such as 30MB"},
    {"sparsity_1_5_in_space", kHead + "search:\n  space:\n    prune.sparsity: {low: 0.1, high: 1.5}\n", 6,
     "search.space.prune.sparsity", "1.5 is outside [0, 1)"},
    {"sparsity_1_5_in_pipeline", kHead + "pipeline:\n  - prune:\n      method: wanda\n      sparsity: 1.5\n", 7,
     "pipeline[0].prune.sparsity", "1.5 is outside [0, 1)"},
    {"empty_space_list", kHead + "search:\n  space:\n    quantize.format: []\n", 6, "search.space.quantize.format",
     "an empty list of choices"},
    {"empty_space", kHead + "search:\n  sampler: grid\n  space: {}\n", 6, "search.space", "non-empty mapping"},
    {"duplicate_objective",
     kHead + "objectives:\n  - {metric: kld/mean}\n  - {metric: kld/mean, direction: minimize}\n", 6,
     "objectives[1].metric", "'kld/mean' is already an objective"},
    {"duplicate_objective_by_alias",
     kHead + "objectives:\n  - {metric: model/file_bytes}\n  - {metric: model/bytes}\n", 6, "objectives[1].metric",
     "already an objective"},
    {"bad_direction", kHead + "objectives:\n  - {metric: kld/mean, direction: smaller}\n", 5,
     "objectives[0].direction", "'smaller': choose minimize or maximize"},
    {"unknown_metric", kHead + "objectives:\n  - metric: kld/men\n", 5, "objectives[0].metric",
     "unknown metric 'kld/men' (did you mean 'kld/mean'?)"},
    {"metric_needs_text", "model: ../models/tiny-llama\nobjectives: [{metric: kld/mean}]\n", 2,
     "objectives[0].metric", "needs evaluation.text"},
    {"metric_needs_task", kHead + "objectives: [{metric: hellaswag/acc_norm}]\n", 4, "objectives[0].metric",
     "needs the task hellaswag"},
    {"too_many_objectives",
     kHead + "objectives:\n  - {metric: kld/mean}\n  - {metric: kld/p99}\n  - {metric: model/bytes}\n"
             "  - {metric: run/seconds}\n  - {metric: memory/peak_rss}\n",
     5, "objectives", "5 objectives: give 1 to 4"},
    {"space_param_typo", kHead + "search:\n  space:\n    quantize.fromat: [int8]\n", 6,
     "search.space.quantize.fromat", "did you mean 'format'?"},
    {"space_op_typo", kHead + "search:\n  space:\n    quantise.format: [int8]\n", 6, "search.space.quantise.format",
     "did you mean 'quantize'?"},
    {"space_bad_choice", kHead + "search:\n  space:\n    quantize.method: [rtn, gtpq]\n", 6,
     "search.space.quantize.method", "value \"gtpq\": 'gtpq' is not one of"},
    {"space_per_layer_elsewhere", kHead + "search:\n  space:\n    quantize.format: {per_layer: [int8]}\n", 6,
     "search.space.quantize.format", "per_layer goes with quantize.layer_formats only"},
    {"space_needs_template_step",
     kHead + "search:\n  template: [{quantize: {}}]\n  space:\n    prune.sparsity: [0.5]\n", 7,
     "search.space.prune.sparsity", "search.template has no prune step"},
    {"space_drops_every_layer", kHead + "search:\n  space:\n    drop_layers.count: {low: 0, high: 4}\n", 6,
     "search.space.drop_layers.count", "value 4: dropping 4 of 4 layers leaves none"},
    {"sampler_typo", kHead + "search:\n  sampler: nsga\n  space: {quantize.format: [int8]}\n", 5, "search.sampler",
     "did you mean 'nsga2'?"},
    {"needs_calibration",
     "model: ../models/tiny-llama\nevaluation: {text: ../tests/data/war-and-peace-heldout.txt}\npipeline:\n"
     "  - quantize: {method: gptq}\n",
     4, "pipeline[0].quantize", "needs calibration text"},
    {"bad_order", kHead + "pipeline:\n  - quantize: {format: int8}\n  - prune: {method: magnitude}\n", 6,
     "pipeline[1].prune", "which quantizes the model"},
    {"layer_out_of_range", kHead + "pipeline:\n  - quantize:\n      layer_formats: {\"7\": int8}\n", 6,
     "pipeline[0].quantize.layer_formats", "layer 7 does not exist: the model has 4 layers"},
    {"baseline_without_name", kHead + "baselines:\n  - pipeline: [{quantize: {format: int8}}]\n", 5, "baselines[0].name",
     "missing"},
    {"pipeline_and_search", kHead + "pipeline: [{quantize: {}}]\nsearch: {space: {quantize.format: [int8]}}\n", 4,
     "pipeline", "give fixed recipes as baselines"},
    {"unknown_task", kHead.substr(0, kHead.rfind("evaluation")) +
                         "evaluation:\n  text: ../tests/data/war-and-peace-heldout.txt\n  tasks: {hellaswog: {}}\n",
     5, "evaluation.tasks.hellaswog", "did you mean 'hellaswag'?"},
    {"bad_version", kHead + "version: 2\n", 4, "version", "this slimlm reads version 1"},
    {"unset_variable", "model: ${SLIMLM_SURELY_UNSET_VARIABLE}/tiny-llama\n", 1, "model",
     "environment variable SLIMLM_SURELY_UNSET_VARIABLE is not set"},
    {"duplicate_key", kHead + "constraints: {}\ncalibration: {text: nothere.txt}\n", 5, "calibration", "appears twice"},
    {"missing_file", "model: ../models/tiny-llama\ncalibration: {text: nothere.txt}\n", 2, "calibration.text",
     "no such file"},
    {"not_yaml", kHead + "search: {space: [\n", 0, "", "not valid YAML"},
    {"bad_region", kHead.substr(0, kHead.rfind("evaluation")) +
                       "evaluation:\n  carbon: {region: XX}\n",
     4, "evaluation.carbon.region", "unknown country code 'XX'"},
};

INSTANTIATE_TEST_SUITE_P(StudyConfig, BrokenConfig, testing::ValuesIn(kBroken),
                         [](const testing::TestParamInfo<Broken>& i) { return i.param.name; });

TEST(StudyConfig, LoadNamesAMissingFile) {
  try {
    load_study_config("/nonexistent/study.yaml");
    FAIL() << "accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/study.yaml"), std::string::npos);
  }
}

}  // namespace
}  // namespace slimlm::search
