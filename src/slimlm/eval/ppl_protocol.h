#pragma once
// The two perplexity protocols of issue #5, as pure functions over token ids:
// which windows are evaluated and which logits score which tokens.
//
//   hf (GPTQ / AWQ papers, transformers): tokens = the tokenizer's encoding
//     with its default special tokens; non-overlapping windows of ctx tokens,
//     a final partial window dropped; every token after the first of a window
//     is scored (logits[j] predicts t[j+1], j = 0 .. ctx-2).
//   llama.cpp (llama-perplexity): tokens = [BOS] + the encoding without
//     special tokens; chunks of ctx tokens, a final partial chunk dropped; the
//     first token of each chunk is replaced by BOS; with first = ctx/2,
//     logits[j] predicts t[j+1] for j = first .. ctx-2, i.e. tokens
//     ctx/2+1 .. ctx-1 of the chunk are scored.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace slimlm::eval {

// Persisted by name in results: append only.
enum class PplProtocol : uint8_t { kHf = 0, kLlamaCpp = 1 };

std::string_view to_string(PplProtocol p);  // "hf", "llama.cpp"
std::optional<PplProtocol> ppl_protocol_from_string(std::string_view name);

// Index of the first logit scored in a window of ctx tokens: 0 (hf) or ctx/2.
int64_t first_scored_logit(PplProtocol p, int64_t ctx);

// The token stream a protocol evaluates, from the text's two encodings
// (with and without the tokenizer's default special tokens). llama.cpp needs
// a BOS id; throws ConfigError without one.
std::vector<int32_t> protocol_tokens(PplProtocol p, std::span<const int32_t> with_special,
                                     std::span<const int32_t> without_special,
                                     std::optional<int32_t> bos);

struct WindowPlan {
  PplProtocol protocol = PplProtocol::kLlamaCpp;
  int64_t ctx = 0;
  int64_t windows = 0;        // windows (chunks) evaluated
  int64_t windows_total = 0;  // full windows in the text, before --limit-chunks
  int64_t first = 0;          // first scored logit of a window

  int64_t scored_per_window() const { return ctx - 1 - first; }
  int64_t scored_tokens() const { return windows * scored_per_window(); }
};

// Plans the windows of `n_tokens` tokens. limit_chunks <= 0 means all.
// Throws ConfigError when ctx leaves nothing to score or the text is shorter
// than one window.
WindowPlan plan_windows(PplProtocol p, int64_t n_tokens, int64_t ctx, int64_t limit_chunks = 0);

// Copies window w (ctx tokens) into out; llama.cpp puts `bos` first.
void window_tokens(const WindowPlan& plan, std::span<const int32_t> tokens, int64_t w,
                   int32_t bos, std::span<int32_t> out);

}  // namespace slimlm::eval
