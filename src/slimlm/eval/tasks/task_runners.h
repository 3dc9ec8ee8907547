#pragma once
// The run functions the registry lists, one file each (<task>_task.cpp).
// opts.data is already resolved.
#include <string>

#include "slimlm/eval/tasks/multiple_choice.h"
#include "slimlm/eval/tasks/task_registry.h"

namespace slimlm::eval {

TaskResult run_hellaswag_task(const TaskContext& ctx, const TaskOptions& opts);
TaskResult run_mmlu_task(const TaskContext& ctx, const TaskOptions& opts);
TaskResult run_gsm8k_task(const TaskContext& ctx, const TaskOptions& opts);
TaskResult run_mc_jsonl_task(const TaskContext& ctx, const TaskOptions& opts);
TaskResult run_perplexity_task(const TaskContext& ctx, const TaskOptions& opts);

// Shared by the multiple-choice runners: scorer options from task options.
McOptions mc_options(const TaskContext& ctx, const TaskOptions& opts, std::string label);

}  // namespace slimlm::eval
