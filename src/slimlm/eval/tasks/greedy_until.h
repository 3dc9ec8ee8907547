#pragma once
// Greedy generation until a stop string, EOS or a token budget, as
// lm-eval's generate_until with do_sample=false: the prompt is left-truncated
// to max_length − max_gen_tokens tokens, the continuation is cut at the first
// stop string. Prompts run one after another through one KV cache that keeps
// the longest token prefix they share (a few-shot block is computed once).
#include <cstdint>
#include <string>
#include <vector>

#include "slimlm/eval/tasks/loglikelihood.h"

namespace slimlm::model {
class Model;
}
namespace slimlm::tokenizer {
class Tokenizer;
}

namespace slimlm::eval {

struct GreedyOptions {
  std::vector<std::string> stop;  // cut before the first occurrence of any
  int64_t max_gen_tokens = 256;   // lm-eval's max_gen_toks
  int64_t max_length = 0;         // 0: the model's max_position_embeddings
  bool add_bos = false;
  int64_t chunk = 512;            // prompt tokens per decode() call
  bool progress = false;
  std::string label = "generate";
};

struct GreedyOutput {
  std::string text;        // the continuation, cut at a stop string
  int64_t new_tokens = 0;  // tokens generated (up to and including the stop)
  bool stopped = false;    // a stop string or EOS ended it
};

// Outputs in prompt order. stats (optional) counts prompt tokens decoded,
// tokens reused from the cache and generated tokens fed back.
std::vector<GreedyOutput> greedy_until(const model::Model& m, const tokenizer::Tokenizer& tok,
                                       const std::vector<std::string>& prompts, const GreedyOptions& opts,
                                       ScoreStats* stats = nullptr);

// The continuation cut at the earliest stop string, and whether one was found.
std::pair<std::string, bool> cut_at_stop(const std::string& text, const std::vector<std::string>& stop);

}  // namespace slimlm::eval
