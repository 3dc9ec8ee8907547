#include "slimlm/eval/perplexity.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/progress.h"
#include "slimlm/core/threads.h"
#include "slimlm/core/timer.h"
#include "slimlm/eval/logprob.h"
#include "slimlm/eval/stats.h"
#include "slimlm/model/model.h"

namespace slimlm::eval {

ScoreFn score_fn(const model::Model& m) {
  return [&m](std::span<const int32_t> tokens, int64_t B, int64_t T) { return m.score(tokens, B, T); };
}

int64_t default_batch(int64_t ctx, int64_t vocab) {
  constexpr int64_t kBatchTokens = 2048;
  constexpr int64_t kLogitBytes = int64_t{256} << 20;
  const int64_t by_tokens = std::max<int64_t>(1, kBatchTokens / std::max<int64_t>(1, ctx));
  const int64_t row_bytes = std::max<int64_t>(1, ctx * vocab * 4);
  const int64_t by_memory = std::max<int64_t>(1, kLogitBytes / row_bytes);
  return std::min(by_tokens, by_memory);
}

double PerplexityAccumulator::ppl() const { return std::exp(mean_nll()); }

double PerplexityAccumulator::ppl_stderr() const {
  return ppl() * mean_and_uncertainty(sum_, sum2_, count_).unc;
}

PerplexityResult evaluate_perplexity(const ScoreFn& score, std::span<const int32_t> tokens,
                                     const PerplexityOptions& opts) {
  const WindowPlan plan =
      plan_windows(opts.protocol, static_cast<int64_t>(tokens.size()), opts.ctx, opts.limit_chunks);
  const int64_t batch = std::clamp<int64_t>(opts.batch, 1, plan.windows);
  const int64_t ctx = plan.ctx;
  const int64_t per_window = plan.scored_per_window();
  log::debug("perplexity: {} protocol, {} of {} windows of {} tokens, {} scored each, {} per batch",
             to_string(plan.protocol), plan.windows, plan.windows_total, ctx, per_window, batch);

  Timer timer;
  PerplexityAccumulator acc;
  PerplexityResult res;
  res.window_mean_nll.reserve(static_cast<size_t>(plan.windows));
  std::vector<int32_t> input(static_cast<size_t>(batch * ctx));
  std::vector<double> nll(static_cast<size_t>(batch * per_window));
  std::optional<ProgressBar> bar;
  if (opts.progress) bar.emplace(fmt::format("perplexity ctx {}", ctx), static_cast<uint64_t>(plan.windows), "chunk");

  for (int64_t w0 = 0; w0 < plan.windows; w0 += batch) {
    const int64_t B = std::min(batch, plan.windows - w0);
    for (int64_t b = 0; b < B; ++b) {
      window_tokens(plan, tokens, w0 + b,
                    opts.bos, std::span(input).subspan(static_cast<size_t>(b * ctx), static_cast<size_t>(ctx)));
    }
    const std::span<const int32_t> rows(input.data(), static_cast<size_t>(B * ctx));
    const Tensor logits = score(rows, B, ctx);
    if (logits.ndim() != 3 || logits.dim(0) != B || logits.dim(1) != ctx) {
      throw Error(fmt::format("perplexity: score() returned {} for {} rows of {} tokens",
                              logits.describe(), B, ctx));
    }
    const int64_t V = logits.dim(2);
    const float* data = logits.data<float>();
    // One task per scored position; the sums are formed afterwards in order.
    parallel_for(0, B * per_window, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t b = i / per_window;
        const int64_t j = plan.first + i % per_window;  // logits[j] predicts t[j+1]
        const float* row = data + (b * ctx + j) * V;
        const int32_t target = input[static_cast<size_t>(b * ctx + j + 1)];
        nll[static_cast<size_t>(i)] = token_nll(std::span(row, static_cast<size_t>(V)), target);
      }
    });
    for (int64_t b = 0; b < B; ++b) {
      double window_sum = 0.0;
      for (int64_t k = 0; k < per_window; ++k) {
        const double v = nll[static_cast<size_t>(b * per_window + k)];
        acc.add(v);
        window_sum += v;
      }
      res.window_mean_nll.push_back(window_sum / static_cast<double>(per_window));
    }
    log::debug("perplexity: [{}] {:.4f}", w0 + B, acc.ppl());
    if (bar) bar->advance(static_cast<uint64_t>(B));
  }
  if (bar) bar->finish();

  res.protocol = plan.protocol;
  res.ctx = ctx;
  res.chunks = plan.windows;
  res.chunks_total = plan.windows_total;
  res.batch = batch;
  res.tokens = tokens.size();
  res.tokens_scored = acc.count();
  res.nll_sum = acc.nll_sum();
  res.mean_nll = acc.mean_nll();
  res.ppl = acc.ppl();
  res.ppl_stderr = acc.ppl_stderr();
  res.seconds = timer.seconds();
  return res;
}

}  // namespace slimlm::eval
