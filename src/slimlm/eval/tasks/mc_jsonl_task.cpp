#include "slimlm/eval/tasks/multiple_choice_jsonl.h"
#include "slimlm/eval/tasks/task_runners.h"

namespace slimlm::eval {

TaskResult run_mc_jsonl_task(const TaskContext& ctx, const TaskOptions& opts) {
  const int shots = opts.shots >= 0 ? opts.shots : 0;
  const std::vector<McItem> items = with_shots(load_mc_jsonl(opts.data), shots, opts.limit);
  const McRun run = run_multiple_choice(ctx.model, ctx.tok, items, mc_options(ctx, opts, "mc"));
  TaskResult r;
  r.shots = shots;
  r.items = static_cast<int64_t>(items.size());
  r.metrics = mc_metrics(run.scores);
  r.forward_tokens = run.stats.forward_tokens;
  r.reused_tokens = run.stats.reused_tokens;
  if (shots > 0) r.notes.push_back("the first --shots items are the exemplars and are not scored");
  return r;
}

}  // namespace slimlm::eval
