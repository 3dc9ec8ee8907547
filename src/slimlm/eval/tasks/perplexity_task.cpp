#include <fmt/format.h>

#include <optional>

#include "slimlm/core/error.h"
#include "slimlm/eval/corpus.h"
#include "slimlm/eval/perplexity.h"
#include "slimlm/eval/tasks/task_runners.h"
#include "slimlm/model/model.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::eval {

TaskResult run_perplexity_task(const TaskContext& ctx, const TaskOptions& opts) {
  const auto protocol = ppl_protocol_from_string(opts.protocol);
  if (!protocol) throw ConfigError(fmt::format("--protocol: unknown protocol '{}' (hf or llama.cpp)", opts.protocol));
  std::optional<int32_t> bos;
  if (ctx.model.config().bos_token_id) bos = static_cast<int32_t>(*ctx.model.config().bos_token_id);
  else bos = ctx.tok.bos_id();
  const std::vector<int32_t> tokens = encode_for_protocol(ctx.tok, read_text_file(opts.data), *protocol, bos);
  PerplexityOptions po;
  po.protocol = *protocol;
  po.ctx = opts.ctx;
  po.limit_chunks = opts.limit;
  po.batch = opts.batch > 0 ? opts.batch : default_batch(opts.ctx, ctx.model.vocab_size());
  po.bos = bos.value_or(-1);
  po.progress = opts.progress;
  const PerplexityResult p = evaluate_perplexity(score_fn(ctx.model), tokens, po);
  TaskResult r;
  r.items = p.chunks;
  r.metrics = {Metric{"ppl", p.ppl, "ppl", p.ppl_stderr}, Metric{"mean_nll", p.mean_nll, "nats", std::nullopt},
               Metric{"tokens_scored", static_cast<double>(p.tokens_scored), "tokens", std::nullopt}};
  r.forward_tokens = static_cast<uint64_t>(p.chunks * p.ctx);
  r.notes.push_back(fmt::format("{} protocol, ctx {}, {} of {} windows", to_string(p.protocol), p.ctx, p.chunks,
                                p.chunks_total));
  return r;
}

}  // namespace slimlm::eval
