#include <fmt/format.h>

#include <utility>

#include "slimlm/core/error.h"
#include "slimlm/eval/tasks/hellaswag.h"
#include "slimlm/eval/tasks/task_runners.h"

namespace slimlm::eval {

TaskResult run_hellaswag_task(const TaskContext& ctx, const TaskOptions& opts) {
  if (opts.shots > 0) {
    throw ConfigError(fmt::format("hellaswag: --shots {}: only zero-shot is supported (the data is the validation "
                                  "split; lm-eval draws HellaSwag shots from train)",
                                  opts.shots));
  }
  std::vector<McItem> items = load_hellaswag(opts.data);
  if (opts.limit > 0 && static_cast<size_t>(opts.limit) < items.size()) items.resize(static_cast<size_t>(opts.limit));
  const McRun run = run_multiple_choice(ctx.model, ctx.tok, items, mc_options(ctx, opts, "hellaswag"));
  TaskResult r;
  r.shots = 0;
  r.items = static_cast<int64_t>(items.size());
  std::vector<Metric> m = mc_metrics(run.scores);
  std::swap(m[0], m[1]);  // acc_norm is HellaSwag's headline number
  r.metrics = std::move(m);
  r.forward_tokens = run.stats.forward_tokens;
  r.reused_tokens = run.stats.reused_tokens;
  r.notes.push_back("contexts rebuilt as lm-eval's from llama.cpp's text: [..] removed, ctx_b capitalised");
  return r;
}

}  // namespace slimlm::eval
