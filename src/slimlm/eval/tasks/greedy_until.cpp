#include "slimlm/eval/tasks/greedy_until.h"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "slimlm/core/error.h"
#include "slimlm/core/progress.h"
#include "slimlm/core/timer.h"
#include "slimlm/eval/tasks/multiple_choice.h"
#include "slimlm/model/model.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::eval {
namespace {

int32_t argmax(const Tensor& logits) {
  const float* p = logits.data<float>();
  const auto n = static_cast<int64_t>(logits.numel());
  return static_cast<int32_t>(std::max_element(p, p + n) - p);
}

}  // namespace

std::pair<std::string, bool> cut_at_stop(const std::string& text, const std::vector<std::string>& stop) {
  size_t cut = std::string::npos;
  for (const auto& s : stop) {
    if (s.empty()) continue;
    cut = std::min(cut, text.find(s));
  }
  if (cut == std::string::npos) return {text, false};
  return {text.substr(0, cut), true};
}

std::vector<GreedyOutput> greedy_until(const model::Model& m, const tokenizer::Tokenizer& tok,
                                       const std::vector<std::string>& prompts, const GreedyOptions& opts,
                                       ScoreStats* stats) {
  Timer timer;
  const int64_t max_length = opts.max_length > 0 ? opts.max_length : m.config().max_position_embeddings;
  if (opts.max_gen_tokens < 1) throw ConfigError("--max-gen-tokens must be >= 1");
  if (max_length <= opts.max_gen_tokens) {
    throw ConfigError(fmt::format("generation: the model's context of {} tokens leaves no room for a prompt "
                                  "and {} new tokens",
                                  max_length, opts.max_gen_tokens));
  }
  const int64_t max_prompt = max_length - opts.max_gen_tokens;
  std::vector<int32_t> eos;
  if (const auto e = tok.eos_id()) eos.push_back(*e);
  for (int64_t e : m.config().eos_token_ids) eos.push_back(static_cast<int32_t>(e));
  const int32_t bos = opts.add_bos ? bos_id_for(m, tok) : -1;

  auto cache = m.new_cache(max_length);
  std::vector<int32_t> held;  // tokens in the cache
  std::vector<GreedyOutput> out(prompts.size());
  ScoreStats st;
  std::optional<ProgressBar> bar;
  if (opts.progress && !prompts.empty()) bar.emplace(opts.label, prompts.size(), "item");
  const int64_t chunk = std::max<int64_t>(opts.chunk, 1);

  for (size_t i = 0; i < prompts.size(); ++i) {
    std::vector<int32_t> inp = tok.encode(prompts[i], false);
    if (opts.add_bos) inp.insert(inp.begin(), bos);
    if (inp.empty()) inp.push_back(eot_id(m, tok));
    if (static_cast<int64_t>(inp.size()) > max_prompt) inp.erase(inp.begin(), inp.end() - max_prompt);
    for (int32_t t : inp) {
      if (t < 0 || t >= m.vocab_size()) {
        throw FormatError(fmt::format("generation: token id {} outside the model's vocabulary of {}", t,
                                      m.vocab_size()));
      }
    }
    // The last prompt token is always decoded: its logits pick the first new token.
    const size_t lcp = std::mismatch(held.begin(), held.end(), inp.begin(), inp.end()).first - held.begin();
    const auto keep = static_cast<int64_t>(std::min(lcp, inp.size() - 1));
    cache->truncate(keep);
    held.assign(inp.begin(), inp.begin() + keep);
    Tensor logits;
    for (int64_t pos = keep; pos < static_cast<int64_t>(inp.size());) {
      const int64_t n = std::min(chunk, static_cast<int64_t>(inp.size()) - pos);
      logits = m.decode(*cache, std::span(inp).subspan(static_cast<size_t>(pos), static_cast<size_t>(n)));
      pos += n;
    }
    held = inp;
    st.reused_tokens += static_cast<uint64_t>(keep);
    st.forward_tokens += inp.size() - static_cast<size_t>(keep);

    std::vector<int32_t> gen;
    GreedyOutput& o = out[i];
    while (true) {
      const int32_t next = argmax(logits);
      gen.push_back(next);
      if (std::find(eos.begin(), eos.end(), next) != eos.end()) {
        gen.pop_back();
        o.stopped = true;
        break;
      }
      auto [text, hit] = cut_at_stop(tok.decode(gen), opts.stop);
      if (hit) {
        o.stopped = true;
        break;
      }
      if (static_cast<int64_t>(gen.size()) >= opts.max_gen_tokens || cache->size() >= cache->capacity()) break;
      logits = m.decode(*cache, std::span(&gen.back(), 1));
      held.push_back(gen.back());
      ++st.forward_tokens;
    }
    o.new_tokens = static_cast<int64_t>(gen.size());
    o.text = cut_at_stop(tok.decode(gen), opts.stop).first;
    if (bar) bar->advance();
  }
  if (bar) bar->finish();
  st.seconds = timer.seconds();
  if (stats) *stats = st;
  return out;
}

}  // namespace slimlm::eval
