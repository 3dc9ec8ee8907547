#include "slimlm/eval/tasks/loglikelihood.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <numeric>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/progress.h"
#include "slimlm/core/timer.h"
#include "slimlm/eval/logprob.h"
#include "slimlm/model/model.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::eval {
namespace {

// What one request feeds the model and where its continuation is scored.
struct Prepared {
  std::vector<int32_t> inp;  // (ctx + cont)[-(max_length+1):][:-1]
  int64_t p0 = 0;            // first position whose logits predict a continuation token
};

Prepared prepare(const LlRequest& r, int64_t max_length) {
  if (r.context.empty()) throw Error("loglikelihood: empty context (lm-eval puts EOT there)");
  if (r.continuation.empty()) throw Error("loglikelihood: empty continuation");
  if (static_cast<int64_t>(r.continuation.size()) > max_length) {
    throw ConfigError(fmt::format("loglikelihood: a continuation of {} tokens is longer than the model's context "
                                  "of {}",
                                  r.continuation.size(), max_length));
  }
  std::vector<int32_t> full = r.context;
  full.insert(full.end(), r.continuation.begin(), r.continuation.end());
  const size_t keep = std::min(full.size(), static_cast<size_t>(max_length) + 1);
  Prepared p;
  p.inp.assign(full.end() - static_cast<std::ptrdiff_t>(keep), full.end() - 1);
  p.p0 = static_cast<int64_t>(p.inp.size()) - static_cast<int64_t>(r.continuation.size());
  return p;
}

// Adds one continuation's log-probability from its logits rows [contlen, V].
LlResult score_rows(const float* rows, int64_t V, const std::vector<int32_t>& cont) {
  LlResult res;
  res.greedy = true;
  for (size_t j = 0; j < cont.size(); ++j) {
    const std::span<const float> row(rows + static_cast<int64_t>(j) * V, static_cast<size_t>(V));
    res.logprob -= token_nll(row, cont[j]);
    const auto top = std::max_element(row.begin(), row.end()) - row.begin();
    if (top != cont[j]) res.greedy = false;
  }
  return res;
}

// Logit floats one merged call may return (64 MiB).
constexpr uint64_t kMaxMergedLogits = 16ull << 20;

size_t common_prefix(const std::vector<int32_t>& a, const std::vector<int32_t>& b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

void run_prefix_cache(const model::Model& m, const std::vector<LlRequest>& reqs, const std::vector<Prepared>& prep,
                      const ScorerOptions& opts, std::vector<LlResult>& out, ScoreStats& st, ProgressBar* bar) {
  const int64_t V = m.vocab_size();
  std::vector<size_t> order(reqs.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prep[a].inp < prep[b].inp; });
  int64_t capacity = 1;
  for (const auto& p : prep) capacity = std::max(capacity, static_cast<int64_t>(p.inp.size()));
  auto cache = m.new_cache(capacity);
  const int64_t chunk = std::max<int64_t>(opts.chunk, 1);

  std::vector<int32_t> held;  // tokens in the cache
  std::vector<float> rows;    // logits of positions [rows_start, rows_start + rows_n)
  int64_t rows_start = 0, rows_n = 0;
  for (size_t idx : order) {
    const Prepared& p = prep[idx];
    const auto L = static_cast<int64_t>(p.inp.size());
    const auto lcp = static_cast<int64_t>(common_prefix(held, p.inp));
    const bool reuse = lcp >= L && rows_n > 0 && p.p0 >= rows_start && L <= rows_start + rows_n;
    if (!reuse) {
      // Logits exist only for tokens decoded now, so decoding restarts no
      // later than the first position this request needs.
      const int64_t keep = std::min(lcp, p.p0);
      cache->truncate(keep);
      held.assign(p.inp.begin(), p.inp.begin() + keep);
      // A small model's forward call costs about as much for 1 token as for
      // 50 (it streams every weight), so a short context tail is decoded in
      // the same call as the continuation, its extra logit rows dropped.
      int64_t from = p.p0;
      const auto merged_rows = static_cast<uint64_t>(L - keep);
      if (p.p0 > keep && L - keep <= chunk && merged_rows * static_cast<uint64_t>(V) <= kMaxMergedLogits) from = keep;
      for (int64_t pos = keep; pos < from;) {
        const int64_t n = std::min(chunk, from - pos);
        m.decode(*cache, std::span(p.inp).subspan(static_cast<size_t>(pos), static_cast<size_t>(n)));
        pos += n;
      }
      rows.resize(static_cast<size_t>((L - from) * V));
      for (int64_t pos = from; pos < L;) {
        const int64_t n = std::min(chunk, L - pos);
        const Tensor lg =
            m.decode(*cache, std::span(p.inp).subspan(static_cast<size_t>(pos), static_cast<size_t>(n)), true);
        std::memcpy(rows.data() + (pos - from) * V, lg.data<float>(), static_cast<size_t>(n * V) * sizeof(float));
        pos += n;
      }
      held = p.inp;
      rows_start = from;
      rows_n = L - from;
      st.forward_tokens += static_cast<uint64_t>(L - keep);
      st.reused_tokens += static_cast<uint64_t>(keep);
    } else {
      st.reused_tokens += static_cast<uint64_t>(L);
    }
    out[idx] = score_rows(rows.data() + (p.p0 - rows_start) * V, V, reqs[idx].continuation);
    if (bar) bar->advance();
  }
}

void run_batched(const model::Model& m, const std::vector<LlRequest>& reqs, const std::vector<Prepared>& prep,
                 const ScorerOptions& opts, std::vector<LlResult>& out, ScoreStats& st, ProgressBar* bar) {
  const int64_t V = m.vocab_size();
  std::vector<size_t> order(reqs.size());
  std::iota(order.begin(), order.end(), 0);
  // Longest first, as lm-eval: a batch's padded length is its first row's.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return prep[a].inp.size() > prep[b].inp.size(); });
  constexpr uint64_t kMaxLogitBytes = 1ull << 30;
  for (size_t at = 0; at < order.size();) {
    const auto T = static_cast<int64_t>(prep[order[at]].inp.size());
    const auto row_bytes = static_cast<uint64_t>(T) * static_cast<uint64_t>(V) * sizeof(float);
    const int64_t fit = std::max<int64_t>(1, static_cast<int64_t>(kMaxLogitBytes / std::max<uint64_t>(row_bytes, 1)));
    const int64_t B = std::min({opts.batch, fit, static_cast<int64_t>(order.size() - at)});
    std::vector<int32_t> tokens(static_cast<size_t>(B * T), 0);
    std::vector<int64_t> lengths(static_cast<size_t>(B));
    for (int64_t b = 0; b < B; ++b) {
      const auto& inp = prep[order[at + static_cast<size_t>(b)]].inp;
      std::copy(inp.begin(), inp.end(), tokens.begin() + b * T);
      lengths[static_cast<size_t>(b)] = static_cast<int64_t>(inp.size());
      st.forward_tokens += inp.size();
    }
    const Tensor logits = m.score(tokens, B, T, lengths);
    const float* base = logits.data<float>();
    for (int64_t b = 0; b < B; ++b) {
      const size_t idx = order[at + static_cast<size_t>(b)];
      out[idx] = score_rows(base + (b * T + prep[idx].p0) * V, V, reqs[idx].continuation);
      if (bar) bar->advance();
    }
    at += static_cast<size_t>(B);
  }
}

}  // namespace

EncodedPair encode_pair(const tokenizer::Tokenizer& tok, std::string_view context, std::string_view continuation,
                        int32_t eot, std::optional<int32_t> bos) {
  EncodedPair e;
  if (context.empty()) {
    e.context = {bos ? *bos : eot};
    e.continuation = tok.encode(continuation, false);
  } else {
    const size_t text_end = context.find_last_not_of(" \t\n\r\v\f");
    const size_t n_spaces = text_end == std::string_view::npos ? context.size() : context.size() - text_end - 1;
    std::string cont(continuation);
    if (n_spaces > 0) {
      cont.insert(0, context.substr(context.size() - n_spaces));
      context.remove_suffix(n_spaces);
    }
    std::string whole_text(context);
    whole_text += cont;
    std::vector<int32_t> whole = tok.encode(whole_text, false);
    e.context = tok.encode(context, false);
    if (bos) {
      whole.insert(whole.begin(), *bos);
      e.context.insert(e.context.begin(), *bos);
    }
    if (whole.size() > e.context.size()) e.continuation.assign(whole.begin() + static_cast<std::ptrdiff_t>(e.context.size()), whole.end());
    if (e.context.empty()) e.context = {eot};
  }
  if (e.continuation.empty()) {
    throw Error(fmt::format("loglikelihood: the continuation '{}' adds no token after its context",
                            std::string(continuation.substr(0, 40))));
  }
  return e;
}

std::vector<LlResult> score_loglikelihood(const model::Model& m, const std::vector<LlRequest>& requests,
                                          const ScorerOptions& opts, ScoreStats* stats) {
  Timer timer;
  const int64_t max_length = opts.max_length > 0 ? opts.max_length : m.config().max_position_embeddings;
  if (max_length < 1) throw ConfigError("loglikelihood: the model declares no max_position_embeddings; give a max length");
  std::vector<Prepared> prep;
  prep.reserve(requests.size());
  for (const auto& r : requests) {
    for (const auto& ids : {std::cref(r.context), std::cref(r.continuation)}) {
      for (int32_t t : ids.get()) {
        if (t < 0 || t >= m.vocab_size()) {
          throw FormatError(fmt::format("loglikelihood: token id {} outside the model's vocabulary of {}", t,
                                        m.vocab_size()));
        }
      }
    }
    prep.push_back(prepare(r, max_length));
  }
  std::vector<LlResult> out(requests.size());
  ScoreStats st;
  std::optional<ProgressBar> own;
  if (!opts.bar && opts.progress && !requests.empty()) own.emplace(opts.label, requests.size(), "req");
  ProgressBar* bar = opts.bar ? opts.bar : own ? &*own : nullptr;
  if (opts.batch > 0) {
    run_batched(m, requests, prep, opts, out, st, bar);
  } else {
    run_prefix_cache(m, requests, prep, opts, out, st, bar);
  }
  if (own) own->finish();
  st.seconds = timer.seconds();
  if (stats) *stats = st;
  return out;
}

}  // namespace slimlm::eval
