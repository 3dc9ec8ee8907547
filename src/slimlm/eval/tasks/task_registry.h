#pragma once
// The evaluation tasks by name, one registration line each
// (task_registry.cpp): what `slimlm eval --task` and `slimlm compare --tasks`
// accept. A task turns a model into metrics; its data comes from
// --task-data NAME=PATH or, when that is absent, from $SLIMLM_DATA.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "slimlm/eval/tasks/task_types.h"

namespace slimlm::model {
class Model;
}
namespace slimlm::tokenizer {
class Tokenizer;
}

namespace slimlm::eval {

struct TaskOptions {
  std::filesystem::path data;    // empty: the task's default under $SLIMLM_DATA
  int64_t limit = 0;             // items (MMLU: per subject; perplexity: windows); 0 = all
  int shots = -1;                // -1: the task's default
  int64_t batch = 0;             // rows per forward pass (0: prefix-sharing KV cache; see loglikelihood.h)
  bool add_bos = false;          // lm-eval add_bos_token=True
  int64_t max_gen_tokens = 256;  // generation tasks
  int64_t max_length = 0;        // 0: the model's max_position_embeddings
  std::vector<std::string> subjects;  // MMLU: only these
  int64_t ctx = 512;             // perplexity window
  std::string protocol = "llama.cpp";
  bool progress = true;
};

struct TaskResult {
  std::string task;
  std::string data;  // the file or folder read
  int shots = 0;
  int64_t items = 0;
  std::vector<Metric> metrics;  // the headline metric first
  std::vector<std::pair<std::string, std::vector<Metric>>> groups;  // MMLU subjects
  uint64_t forward_tokens = 0;  // tokens run through the model
  uint64_t reused_tokens = 0;   // served from the KV cache
  double seconds = 0.0;
  std::vector<std::string> notes;  // protocol choices a reader must know
};

struct TaskContext {
  const model::Model& model;
  const tokenizer::Tokenizer& tok;
};

using TaskFn = TaskResult (*)(const TaskContext& ctx, const TaskOptions& opts);

struct TaskSpec {
  std::string_view name;
  std::string_view summary;
  std::string_view default_data;  // relative to $SLIMLM_DATA; empty: must be given
  TaskFn run;
};

std::span<const TaskSpec> task_registry();
const TaskSpec* find_task(std::string_view name);
// "hellaswag, mmlu, ..." for messages and --help.
std::string task_names();

// The data path of a task: `given` when set, else $SLIMLM_DATA/<default>
// (a relative $SLIMLM_DATA is taken from the current folder). ConfigError
// saying which flag or variable to set when neither is available.
std::filesystem::path task_data_path(const TaskSpec& spec, const std::filesystem::path& given);

// Looks the task up (ConfigError listing the known names), resolves its data
// path and runs it; fills TaskResult::task, data and seconds.
TaskResult run_task(std::string_view name, const TaskContext& ctx, TaskOptions opts);

}  // namespace slimlm::eval
