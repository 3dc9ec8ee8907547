#include "slimlm/eval/ppl_protocol.h"

#include <fmt/format.h>

#include <algorithm>

#include "slimlm/core/error.h"

namespace slimlm::eval {

std::string_view to_string(PplProtocol p) {
  switch (p) {
    case PplProtocol::kHf: return "hf";
    case PplProtocol::kLlamaCpp: return "llama.cpp";
  }
  return "?";
}

std::optional<PplProtocol> ppl_protocol_from_string(std::string_view name) {
  if (name == "hf") return PplProtocol::kHf;
  if (name == "llama.cpp" || name == "llamacpp" || name == "llama-cpp") return PplProtocol::kLlamaCpp;
  return std::nullopt;
}

int64_t first_scored_logit(PplProtocol p, int64_t ctx) {
  return p == PplProtocol::kLlamaCpp ? ctx / 2 : 0;
}

std::vector<int32_t> protocol_tokens(PplProtocol p, std::span<const int32_t> with_special,
                                     std::span<const int32_t> without_special,
                                     std::optional<int32_t> bos) {
  if (p == PplProtocol::kHf) return {with_special.begin(), with_special.end()};
  if (!bos) {
    throw ConfigError("--protocol llama.cpp needs a BOS token, and the tokenizer and config.json "
                      "define none (use --protocol hf)");
  }
  std::vector<int32_t> out;
  out.reserve(without_special.size() + 1);
  out.push_back(*bos);
  out.insert(out.end(), without_special.begin(), without_special.end());
  return out;
}

WindowPlan plan_windows(PplProtocol p, int64_t n_tokens, int64_t ctx, int64_t limit_chunks) {
  WindowPlan plan;
  plan.protocol = p;
  plan.ctx = ctx;
  plan.first = first_scored_logit(p, ctx);
  if (ctx < 2 || plan.scored_per_window() < 1) {
    throw ConfigError(fmt::format("--ctx {} leaves no token to score under the {} protocol (need {})",
                                  ctx, to_string(p), p == PplProtocol::kHf ? ">= 2" : ">= 3"));
  }
  plan.windows_total = n_tokens / ctx;
  if (plan.windows_total < 1) {
    throw ConfigError(fmt::format("--data: the text has {} tokens under the {} protocol, fewer "
                                  "than one window of --ctx {}",
                                  n_tokens, to_string(p), ctx));
  }
  plan.windows = limit_chunks > 0 ? std::min(limit_chunks, plan.windows_total) : plan.windows_total;
  return plan;
}

void window_tokens(const WindowPlan& plan, std::span<const int32_t> tokens, int64_t w, int32_t bos,
                   std::span<int32_t> out) {
  const auto ctx = static_cast<size_t>(plan.ctx);
  const size_t start = static_cast<size_t>(w) * ctx;
  if (w < 0 || w >= plan.windows_total || start + ctx > tokens.size() || out.size() < ctx) {
    throw Error(fmt::format("window {} out of range ({} windows of {} tokens)", w,
                            plan.windows_total, plan.ctx));
  }
  std::copy_n(tokens.begin() + static_cast<std::ptrdiff_t>(start), ctx, out.begin());
  if (plan.protocol == PplProtocol::kLlamaCpp) out[0] = bos;
}

}  // namespace slimlm::eval
