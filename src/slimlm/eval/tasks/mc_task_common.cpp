#include "slimlm/eval/tasks/task_runners.h"

namespace slimlm::eval {

McOptions mc_options(const TaskContext& ctx, const TaskOptions& opts, std::string label) {
  McOptions o;
  o.add_bos = opts.add_bos;
  o.scorer.max_length = opts.max_length;
  o.scorer.batch = opts.batch;
  o.scorer.progress = opts.progress;
  o.scorer.label = std::move(label);
  return o;
}

}  // namespace slimlm::eval
