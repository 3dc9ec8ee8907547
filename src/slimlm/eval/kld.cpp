#include "slimlm/eval/kld.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/progress.h"
#include "slimlm/core/threads.h"
#include "slimlm/core/timer.h"
#include "slimlm/eval/stats.h"

namespace slimlm::eval {

void KldAccumulator::add(const KlRow& r) {
  nll_ += r.nll_model;
  nll2_ += r.nll_model * r.nll_model;
  nll_base_ += r.nll_base;
  nll_base2_ += r.nll_base * r.nll_base;
  nll_nll_base_ += r.nll_model * r.nll_base;
  kld_ += r.kl;
  kld2_ += r.kl * r.kl;
  const double dp = std::exp(-r.nll_model) - std::exp(-r.nll_base);
  dp_ += dp;
  dp2_ += dp * dp;
  dp4_ += dp * dp * dp * dp;
  if (r.top_base == r.top_model) ++same_top_;
  ++count_;
  kl_values_.push_back(static_cast<float>(r.kl));
}

KldSummary KldAccumulator::summary() const {
  KldSummary s;
  s.tokens = count_;
  if (count_ == 0) return s;

  const MeanUnc kl = mean_and_uncertainty(kld_, kld2_, count_);
  s.kld_mean = kl.mean;
  s.kld_unc = kl.unc;
  std::vector<float> sorted = kl_values_;
  std::sort(sorted.begin(), sorted.end());
  s.kld_min = sorted.front();
  s.kld_p01 = percentile_sorted(sorted, 0.01);
  s.kld_p10 = percentile_sorted(sorted, 0.10);
  s.kld_median = percentile_sorted(sorted, 0.50);
  s.kld_p90 = percentile_sorted(sorted, 0.90);
  s.kld_p95 = percentile_sorted(sorted, 0.95);
  s.kld_p99 = percentile_sorted(sorted, 0.99);
  s.kld_p999 = percentile_sorted(sorted, 0.999);
  s.kld_max = sorted.back();

  const double n = static_cast<double>(count_);
  s.top1 = static_cast<double>(same_top_) / n;
  s.top1_unc = count_ > 1 ? std::sqrt(s.top1 * (1.0 - s.top1) / (n - 1.0)) : 0.0;

  const MeanUnc lm = mean_and_uncertainty(nll_, nll2_, count_);
  const MeanUnc lb = mean_and_uncertainty(nll_base_, nll_base2_, count_);
  s.ppl_model = std::exp(lm.mean);
  s.ppl_model_unc = s.ppl_model * lm.unc;
  s.ppl_base = std::exp(lb.mean);
  s.ppl_base_unc = s.ppl_base * lb.unc;
  const double cov = covariance_of_means(nll_, nll_base_, nll_nll_base_, count_);
  s.ppl_correlation = (lm.unc > 0 && lb.unc > 0) ? cov / (lm.unc * lb.unc) : 1.0;
  s.ln_ppl_ratio = lm.mean - lb.mean;
  s.ln_ppl_ratio_unc = std::sqrt(std::max(0.0, lm.unc * lm.unc + lb.unc * lb.unc - 2.0 * cov));
  s.ppl_ratio = std::exp(s.ln_ppl_ratio);
  s.ppl_ratio_unc = s.ppl_ratio * s.ln_ppl_ratio_unc;

  const MeanUnc dp = mean_and_uncertainty(dp_, dp2_, count_);
  s.dp_mean = dp.mean;
  s.dp_mean_unc = dp.unc;
  const MeanUnc mse = mean_and_uncertainty(dp2_, dp4_, count_);
  s.dp_rms = std::sqrt(mse.mean);
  s.dp_rms_unc = s.dp_rms > 0 ? 0.5 / s.dp_rms * mse.unc : 0.0;
  return s;
}

KldResult evaluate_kld(const ScoreFn& base, const ScoreFn& model, std::span<const int32_t> tokens,
                       const PerplexityOptions& opts) {
  const WindowPlan plan =
      plan_windows(opts.protocol, static_cast<int64_t>(tokens.size()), opts.ctx, opts.limit_chunks);
  const int64_t batch = std::clamp<int64_t>(opts.batch, 1, plan.windows);
  const int64_t ctx = plan.ctx;
  const int64_t per_window = plan.scored_per_window();

  Timer timer;
  KldAccumulator acc;
  std::vector<int32_t> input(static_cast<size_t>(batch * ctx));
  std::vector<KlRow> rows(static_cast<size_t>(batch * per_window));
  std::optional<ProgressBar> bar;
  if (opts.progress) bar.emplace(fmt::format("kl-divergence ctx {}", ctx), static_cast<uint64_t>(plan.windows), "chunk");

  for (int64_t w0 = 0; w0 < plan.windows; w0 += batch) {
    const int64_t B = std::min(batch, plan.windows - w0);
    for (int64_t b = 0; b < B; ++b) {
      window_tokens(plan, tokens, w0 + b, opts.bos,
                    std::span(input).subspan(static_cast<size_t>(b * ctx), static_cast<size_t>(ctx)));
    }
    const std::span<const int32_t> ids(input.data(), static_cast<size_t>(B * ctx));
    const Tensor lb = base(ids, B, ctx);
    const Tensor lm = model(ids, B, ctx);
    for (const Tensor* t : {&lb, &lm}) {
      if (t->ndim() != 3 || t->dim(0) != B || t->dim(1) != ctx) {
        throw Error(fmt::format("kl-divergence: score() returned {} for {} rows of {} tokens",
                                t->describe(), B, ctx));
      }
    }
    if (lb.dim(2) != lm.dim(2)) {
      throw ConfigError(fmt::format("--base: the base model's vocabulary has {} tokens and the "
                                    "model's {}; KL divergence needs the same vocabulary",
                                    lb.dim(2), lm.dim(2)));
    }
    const int64_t V = lb.dim(2);
    const float* pb = lb.data<float>();
    const float* pm = lm.data<float>();
    parallel_for(0, B * per_window, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t b = i / per_window;
        const int64_t j = plan.first + i % per_window;
        const int64_t off = (b * ctx + j) * V;
        const int32_t target = input[static_cast<size_t>(b * ctx + j + 1)];
        rows[static_cast<size_t>(i)] = kl_row(std::span(pb + off, static_cast<size_t>(V)),
                                              std::span(pm + off, static_cast<size_t>(V)), target);
      }
    });
    for (int64_t i = 0; i < B * per_window; ++i) acc.add(rows[static_cast<size_t>(i)]);
    if (log::enabled(log::Level::kDebug)) {
      log::debug("kl-divergence: [{}] mean KLD {:.6f}", w0 + B, acc.summary().kld_mean);
    }
    if (bar) bar->advance(static_cast<uint64_t>(B));
  }
  if (bar) bar->finish();

  KldResult res;
  res.protocol = plan.protocol;
  res.ctx = ctx;
  res.chunks = plan.windows;
  res.chunks_total = plan.windows_total;
  res.tokens = tokens.size();
  res.stats = acc.summary();
  res.seconds = timer.seconds();
  return res;
}

}  // namespace slimlm::eval
