#include <fmt/format.h>

#include "slimlm/eval/tasks/greedy_until.h"
#include "slimlm/eval/tasks/gsm8k.h"
#include "slimlm/eval/tasks/task_runners.h"

namespace slimlm::eval {

TaskResult run_gsm8k_task(const TaskContext& ctx, const TaskOptions& opts) {
  const int shots = opts.shots >= 0 ? opts.shots : kGsm8kDefaultShots;
  const std::vector<GenItem> items = gsm8k_items(load_gsm8k(opts.data), shots, opts.limit);
  GreedyOptions g;
  g.stop = gsm8k_stop_strings();
  g.max_gen_tokens = opts.max_gen_tokens;
  g.max_length = opts.max_length;
  g.add_bos = opts.add_bos;
  g.progress = opts.progress;
  g.label = "gsm8k";
  std::vector<std::string> prompts;
  for (const auto& it : items) prompts.push_back(it.prompt);
  ScoreStats st;
  const std::vector<GreedyOutput> outs = greedy_until(ctx.model, ctx.tok, prompts, g, &st);

  std::vector<double> strict, flexible;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto s = gsm8k_extract_strict(outs[i].text);
    const auto f = gsm8k_extract_flexible(outs[i].text);
    strict.push_back(s && gsm8k_normalize(*s) == items[i].reference ? 1.0 : 0.0);
    flexible.push_back(f && gsm8k_normalize(*f) == items[i].reference ? 1.0 : 0.0);
  }
  TaskResult r;
  r.shots = shots;
  r.items = static_cast<int64_t>(items.size());
  const MeanStderr ms = mean_stderr(strict), mf = mean_stderr(flexible);
  r.metrics = {Metric{"exact_match", ms.mean, "fraction", ms.std_error},
               Metric{"exact_match_flexible", mf.mean, "fraction", mf.std_error}};
  r.forward_tokens = st.forward_tokens;
  r.reused_tokens = st.reused_tokens;
  r.notes.push_back(fmt::format("shots are test problems 1-{} (no train split here), never scored", shots));
  return r;
}

}  // namespace slimlm::eval
