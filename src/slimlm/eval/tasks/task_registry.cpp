#include "slimlm/eval/tasks/task_registry.h"

#include <fmt/format.h>

#include <array>
#include <cstdlib>

#include "slimlm/core/error.h"
#include "slimlm/core/timer.h"
#include "slimlm/eval/tasks/task_runners.h"

namespace slimlm::eval {
namespace {

constexpr std::array kTasks = {
    TaskSpec{"perplexity", "Perplexity of a text (llama.cpp or hf protocol)", "corpora/wikitext-2-raw/wiki.test.raw",
             &run_perplexity_task},
    TaskSpec{"hellaswag", "HellaSwag validation, 4 endings, acc / acc_norm (lm-eval)",
             "eval/hellaswag/hellaswag_val_full.txt.bz2", &run_hellaswag_task},
    TaskSpec{"mmlu", "MMLU, 57 subjects, 5-shot from dev, per subject and macro average (lm-eval)", "eval/mmlu",
             &run_mmlu_task},
    TaskSpec{"gsm8k", "GSM8K test, few-shot chain of thought, greedy, exact match (lm-eval)",
             "eval/gsm8k/test.jsonl", &run_gsm8k_task},
    TaskSpec{"mc", "Multiple choice from JSONL {context, choices, answer} (docs/tasks.md)", "", &run_mc_jsonl_task},
};

}  // namespace

std::span<const TaskSpec> task_registry() { return kTasks; }

const TaskSpec* find_task(std::string_view name) {
  for (const auto& t : kTasks) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

std::string task_names() {
  std::string s;
  for (const auto& t : kTasks) s += (s.empty() ? "" : ", ") + std::string(t.name);
  return s;
}

std::filesystem::path task_data_path(const TaskSpec& spec, const std::filesystem::path& given) {
  if (!given.empty()) return given;
  if (spec.default_data.empty()) {
    throw ConfigError(fmt::format("task '{}' needs its data: --task-data {}=PATH", spec.name, spec.name));
  }
  const char* env = std::getenv("SLIMLM_DATA");
  if (!env || !*env) {
    throw ConfigError(fmt::format("task '{}': give --task-data {}=PATH or set SLIMLM_DATA (the shared data "
                                  "folder holding {})",
                                  spec.name, spec.name, spec.default_data));
  }
  return std::filesystem::path(env) / spec.default_data;
}

TaskResult run_task(std::string_view name, const TaskContext& ctx, TaskOptions opts) {
  const TaskSpec* spec = find_task(name);
  if (!spec) throw ConfigError(fmt::format("--task: unknown task '{}' (known: {}, kld)", name, task_names()));
  opts.data = task_data_path(*spec, opts.data);
  Timer t;
  TaskResult r = spec->run(ctx, opts);
  r.task = std::string(spec->name);
  r.data = opts.data.string();
  r.seconds = t.seconds();
  return r;
}

}  // namespace slimlm::eval
