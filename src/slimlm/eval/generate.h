#pragma once
// Autoregressive generation with the KV cache: the prompt is prefilled in one
// decode() call, then one token at a time is sampled and fed back, until a
// stop token or the token budget.
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "slimlm/model/sampler.h"

namespace slimlm::model {
class Model;
}

namespace slimlm::eval {

struct GenerateOptions {
  int64_t max_new_tokens = 128;
  // KV-cache capacity; 0: prompt + max_new_tokens. Generation stops early
  // when the cache is full.
  int64_t ctx = 0;
  std::vector<int32_t> stop_ids;  // EOS ids; the stop token is returned but not streamed
};

struct GenerateResult {
  std::vector<int32_t> new_ids;  // generated tokens, the stop token included
  bool stopped_at_eos = false;
  bool hit_ctx = false;
  int64_t prompt_tokens = 0;
  double prompt_seconds = 0.0;  // prefill and the first sample
  double gen_seconds = 0.0;     // the tokens after the first
  double prompt_tps() const;
  double gen_tps() const;        // (new tokens − 1) / gen_seconds: the decode rate
};

// on_token is called for every generated token except a stop token, as soon
// as it is sampled. Throws ConfigError when the prompt is empty or does not
// fit in ctx.
GenerateResult generate(const model::Model& m, model::Sampler& sampler,
                        std::span<const int32_t> prompt, const GenerateOptions& opts,
                        const std::function<void(int32_t)>& on_token = {});

}  // namespace slimlm::eval
