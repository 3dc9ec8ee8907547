#pragma once
// Log-likelihood of continuations given contexts, as lm-evaluation-harness's
// HFLM computes it (loglikelihood / _loglikelihood_tokens):
//  - tokenization (_encode_pair): trailing spaces of the context move to the
//    continuation; context+continuation is encoded as one string and split
//    after as many tokens as the context alone encodes to; no special tokens
//    (lm-eval's default for causal models; `bos` prepends BOS to both, like
//    add_bos_token=True); an empty context becomes [EOT];
//  - the model reads (context + continuation)[-(max_length + 1):][:-1] (left
//    truncation) and the continuation's log-probability is the sum over its
//    tokens of log softmax(logits)[token] at the positions that predict
//    them; `greedy` says whether every one of them is the argmax.
//
// Two ways to run the forward passes, same numbers up to f32 rounding:
//  - batch == 0 (default): one sequence at a time through a KV cache that
//    keeps the longest common token prefix with the previous request
//    (requests are sorted), so a few-shot prompt or a HellaSwag context is
//    computed once for all its continuations; identical inputs (MMLU's
//    one-token " A".." D") reuse the same logits;
//  - batch > 0: `batch` padded rows per Model::score() call, longest first.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slimlm {
class ProgressBar;
}
namespace slimlm::model {
class Model;
}
namespace slimlm::tokenizer {
class Tokenizer;
}

namespace slimlm::eval {

struct EncodedPair {
  std::vector<int32_t> context;
  std::vector<int32_t> continuation;
};

// lm-eval's _encode_pair (see above). `eot` is used for an empty context;
// `bos`, when set, starts both encodings. Throws Error when the continuation
// encodes to no token.
EncodedPair encode_pair(const tokenizer::Tokenizer& tok, std::string_view context, std::string_view continuation,
                        int32_t eot, std::optional<int32_t> bos = std::nullopt);

struct LlRequest {
  std::vector<int32_t> context;
  std::vector<int32_t> continuation;
};

struct LlResult {
  double logprob = 0.0;
  bool greedy = false;
};

struct ScorerOptions {
  int64_t max_length = 0;  // 0: the model's max_position_embeddings
  int64_t batch = 0;       // see above
  int64_t chunk = 512;     // tokens per decode() call (bounds scratch memory)
  bool progress = false;
  std::string label = "loglikelihood";
  ProgressBar* bar = nullptr;  // advanced once per request instead of a bar of its own
};

struct ScoreStats {
  uint64_t forward_tokens = 0;  // tokens run through the model
  uint64_t reused_tokens = 0;   // tokens served from the KV cache instead
  double seconds = 0.0;
  void add(const ScoreStats& o) {
    forward_tokens += o.forward_tokens;
    reused_tokens += o.reused_tokens;
    seconds += o.seconds;
  }
};

// Results in request order. Throws ConfigError when a continuation is longer
// than max_length, Error for an empty context or continuation.
std::vector<LlResult> score_loglikelihood(const model::Model& m, const std::vector<LlRequest>& requests,
                                          const ScorerOptions& opts, ScoreStats* stats = nullptr);

}  // namespace slimlm::eval
