#include "slimlm/eval/tasks/multiple_choice.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "slimlm/core/error.h"
#include "slimlm/core/progress.h"
#include "slimlm/core/threads.h"
#include "slimlm/eval/stats.h"
#include "slimlm/model/model.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::eval {

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // every byte but a continuation byte starts a code point
  }
  return n;
}

McItemScore score_mc_item(const std::vector<double>& lls, const std::vector<std::string>& choices, int gold) {
  if (lls.size() != choices.size() || lls.empty()) {
    throw Error(fmt::format("score_mc_item: {} log-likelihoods for {} choices", lls.size(), choices.size()));
  }
  McItemScore s;
  s.lls = lls;
  double best = lls[0], best_norm = lls[0] / static_cast<double>(std::max<size_t>(utf8_length(choices[0]), 1));
  for (size_t i = 1; i < lls.size(); ++i) {
    const double norm = lls[i] / static_cast<double>(std::max<size_t>(utf8_length(choices[i]), 1));
    if (lls[i] > best) {
      best = lls[i];
      s.pred = static_cast<int>(i);
    }
    if (norm > best_norm) {
      best_norm = norm;
      s.pred_norm = static_cast<int>(i);
    }
  }
  s.acc = s.pred == gold;
  s.acc_norm = s.pred_norm == gold;
  return s;
}

MeanStderr mean_stderr(const std::vector<double>& values) {
  const MeanSd m = mean_sd(values);
  MeanStderr r;
  r.n = static_cast<int64_t>(values.size());
  r.mean = m.mean;
  r.std_error = values.size() >= 2 ? m.sd / std::sqrt(static_cast<double>(values.size())) : 0.0;
  return r;
}

int32_t eot_id(const model::Model& m, const tokenizer::Tokenizer& tok) {
  if (const auto e = tok.eos_id()) return *e;
  if (!m.config().eos_token_ids.empty()) return static_cast<int32_t>(m.config().eos_token_ids.front());
  return 0;
}

int32_t bos_id_for(const model::Model& m, const tokenizer::Tokenizer& tok) {
  if (m.config().bos_token_id) return static_cast<int32_t>(*m.config().bos_token_id);
  if (const auto b = tok.bos_id()) return *b;
  throw ConfigError(fmt::format("--add-bos: {} names no BOS token", m.config().source));
}

McRun run_multiple_choice(const model::Model& m, const tokenizer::Tokenizer& tok, const std::vector<McItem>& items,
                          const McOptions& opts) {
  size_t n_requests = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].choices.empty()) throw Error(fmt::format("multiple choice: item {} has no choices", i));
    n_requests += items[i].choices.size();
  }
  const int32_t eot = eot_id(m, tok);
  const std::optional<int32_t> bos = opts.add_bos ? std::optional<int32_t>(bos_id_for(m, tok)) : std::nullopt;
  std::optional<ProgressBar> bar;
  if (opts.scorer.progress && n_requests > 0) bar.emplace(opts.scorer.label, n_requests, "req");
  ScorerOptions so = opts.scorer;
  so.bar = bar ? &*bar : nullptr;

  McRun run;
  run.scores.reserve(items.size());
  // Blocks of items bound the token ids held at once (a 5-shot MMLU request
  // is ~1k tokens, times 4 choices, times 14k questions); neighbouring items
  // share prefixes, so little cache reuse is lost at block edges.
  const size_t block = std::max<size_t>(opts.items_per_block, 1);
  for (size_t b0 = 0; b0 < items.size(); b0 += block) {
    const size_t b1 = std::min(items.size(), b0 + block);
    std::vector<size_t> first(b1 - b0 + 1, 0);  // request index of each item's first choice
    for (size_t i = b0; i < b1; ++i) first[i - b0 + 1] = first[i - b0] + items[i].choices.size();
    std::vector<LlRequest> reqs(first.back());
    parallel_for(static_cast<int64_t>(b0), static_cast<int64_t>(b1), 16, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) {
        const McItem& it = items[static_cast<size_t>(i)];
        for (size_t c = 0; c < it.choices.size(); ++c) {
          EncodedPair p = encode_pair(tok, it.context, opts.target_delimiter + it.choices[c], eot, bos);
          reqs[first[static_cast<size_t>(i) - b0] + c] = {std::move(p.context), std::move(p.continuation)};
        }
      }
    });
    ScoreStats st;
    const std::vector<LlResult> lls = score_loglikelihood(m, reqs, so, &st);
    run.stats.add(st);
    for (size_t i = b0; i < b1; ++i) {
      std::vector<double> v;
      for (size_t r = first[i - b0]; r < first[i - b0 + 1]; ++r) v.push_back(lls[r].logprob);
      run.scores.push_back(score_mc_item(v, items[i].choices, items[i].gold));
    }
  }
  if (bar) bar->finish();
  return run;
}

std::vector<Metric> mc_metrics(const std::vector<McItemScore>& scores) {
  std::vector<double> acc, acc_norm;
  for (const auto& s : scores) {
    acc.push_back(s.acc ? 1.0 : 0.0);
    acc_norm.push_back(s.acc_norm ? 1.0 : 0.0);
  }
  const MeanStderr a = mean_stderr(acc), an = mean_stderr(acc_norm);
  return {Metric{"acc", a.mean, "fraction", a.std_error}, Metric{"acc_norm", an.mean, "fraction", an.std_error}};
}

}  // namespace slimlm::eval
