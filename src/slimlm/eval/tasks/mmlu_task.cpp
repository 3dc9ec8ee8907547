#include <cmath>
#include <map>

#include "slimlm/eval/tasks/mmlu.h"
#include "slimlm/eval/tasks/task_runners.h"

namespace slimlm::eval {

TaskResult run_mmlu_task(const TaskContext& ctx, const TaskOptions& opts) {
  const int shots = opts.shots >= 0 ? opts.shots : 5;
  const std::vector<MmluSubject> subjects = load_mmlu(opts.data, opts.subjects);
  const std::vector<McItem> items = mmlu_items(subjects, shots, opts.limit);
  const McRun run = run_multiple_choice(ctx.model, ctx.tok, items, mc_options(ctx, opts, "mmlu"));

  std::map<std::string, std::vector<double>> by_subject;
  std::vector<double> all;
  for (size_t i = 0; i < items.size(); ++i) {
    const double v = run.scores[i].acc ? 1.0 : 0.0;
    by_subject[items[i].group].push_back(v);
    all.push_back(v);
  }
  TaskResult r;
  r.shots = shots;
  r.items = static_cast<int64_t>(items.size());
  double sum = 0.0, var = 0.0;
  for (const auto& s : subjects) {
    const MeanStderr m = mean_stderr(by_subject[s.name]);
    r.groups.push_back({s.name, {Metric{"acc", m.mean, "fraction", m.std_error}}});
    sum += m.mean;
    var += m.std_error * m.std_error;
  }
  const double k = static_cast<double>(subjects.size());
  // Macro average: each subject weighs the same; its error combines the
  // subjects' independent errors.
  r.metrics.push_back(Metric{"acc", sum / k, "fraction", std::sqrt(var) / k});
  const MeanStderr micro = mean_stderr(all);
  r.metrics.push_back(Metric{"acc_micro", micro.mean, "fraction", micro.std_error});
  r.forward_tokens = run.stats.forward_tokens;
  r.reused_tokens = run.stats.reused_tokens;
  if (opts.limit > 0) r.notes.push_back("--limit applies per subject");
  return r;
}

}  // namespace slimlm::eval
