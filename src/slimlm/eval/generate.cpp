#include "slimlm/eval/generate.h"

#include <fmt/format.h>

#include <algorithm>

#include "slimlm/core/error.h"
#include "slimlm/core/timer.h"
#include "slimlm/model/model.h"

namespace slimlm::eval {

double GenerateResult::prompt_tps() const {
  return prompt_seconds > 0 ? static_cast<double>(prompt_tokens) / prompt_seconds : 0.0;
}

double GenerateResult::gen_tps() const {
  const auto n = static_cast<double>(new_ids.size()) - 1.0;
  return gen_seconds > 0 && n > 0 ? n / gen_seconds : 0.0;
}

GenerateResult generate(const model::Model& m, model::Sampler& sampler,
                        std::span<const int32_t> prompt, const GenerateOptions& opts,
                        const std::function<void(int32_t)>& on_token) {
  if (prompt.empty()) throw ConfigError("--prompt encodes to no tokens");
  const auto n_prompt = static_cast<int64_t>(prompt.size());
  const int64_t max_new = std::max<int64_t>(0, opts.max_new_tokens);
  const int64_t capacity = opts.ctx > 0 ? opts.ctx : n_prompt + max_new;
  if (n_prompt > capacity) {
    throw ConfigError(fmt::format("--ctx {}: the prompt has {} tokens", capacity, n_prompt));
  }
  const int64_t vocab = m.vocab_size();
  for (int32_t t : prompt) {
    if (t < 0 || t >= vocab) throw ConfigError(fmt::format("prompt token {} outside the vocabulary of {}", t, vocab));
  }

  GenerateResult res;
  res.prompt_tokens = n_prompt;
  if (max_new == 0) return res;
  auto cache = m.new_cache(capacity);
  sampler.accept(prompt);

  auto is_stop = [&](int32_t t) {
    return std::find(opts.stop_ids.begin(), opts.stop_ids.end(), t) != opts.stop_ids.end();
  };
  auto emit = [&](int32_t t) {
    res.new_ids.push_back(t);
    sampler.accept(t);
    if (is_stop(t)) {
      res.stopped_at_eos = true;
      return false;
    }
    if (on_token) on_token(t);
    return true;
  };

  Timer timer;
  Tensor logits = m.decode(*cache, prompt);
  auto row = [&](const Tensor& l) { return std::span(l.data<float>(), static_cast<size_t>(vocab)); };
  int32_t next = sampler.sample(row(logits));
  res.prompt_seconds = timer.seconds();
  timer.reset();
  bool go = emit(next);
  while (go && static_cast<int64_t>(res.new_ids.size()) < max_new) {
    if (cache->size() >= cache->capacity()) {
      res.hit_ctx = true;
      break;
    }
    logits = m.decode(*cache, std::span<const int32_t>(&next, 1));
    next = sampler.sample(row(logits));
    go = emit(next);
  }
  res.gen_seconds = timer.seconds();
  return res;
}

}  // namespace slimlm::eval
