#include "slimlm/io/parameter_count.h"

#include <array>
#include <limits>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/io/checkpoint.h"

namespace slimlm::io {
namespace {

constexpr std::array<std::string_view, kNumParamGroups> kGroupNames = {
    "embeddings", "attention", "mlp", "norms", "lm_head", "other",
};

// Checked arithmetic: configs are user input, and a hidden_size of 2^40
// must be an error, not a wrapped count.
struct Counter {
  const ModelConfig& c;

  uint64_t mul(uint64_t a, uint64_t b) const {
    if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) overflow();
    return a * b;
  }
  uint64_t add(uint64_t a, uint64_t b) const {
    if (b > std::numeric_limits<uint64_t>::max() - a) overflow();
    return a + b;
  }
  [[noreturn]] void overflow() const {
    throw ConfigError(fmt::format("{}: the parameter count overflows 64 bits", c.source));
  }
};

uint64_t u(int64_t v) { return static_cast<uint64_t>(v); }

}  // namespace

std::string_view to_string(ParamGroup g) { return kGroupNames.at(static_cast<size_t>(g)); }

ParamGroup classify_parameter(std::string_view n) {
  if (n.starts_with("model.embed_tokens.")) return ParamGroup::kEmbeddings;
  if (n.starts_with("lm_head.")) return ParamGroup::kLmHead;
  if (n.find(".self_attn.") != std::string_view::npos) return ParamGroup::kAttention;
  if (n.find(".mlp.") != std::string_view::npos) return ParamGroup::kMlp;
  if (n.find("norm") != std::string_view::npos) return ParamGroup::kNorms;
  return ParamGroup::kOther;
}

uint64_t ParameterCounts::total() const {
  uint64_t t = 0;
  for (uint64_t v : by_group) t += v;
  return t;
}

ParameterCounts expected_parameter_counts(const ModelConfig& c) {
  const Counter k{c};
  const uint64_t C = u(c.hidden_size), V = u(c.vocab_size), F = u(c.intermediate_size);
  const uint64_t Q = k.mul(u(c.num_attention_heads), u(c.head_dim));
  const uint64_t KV = k.mul(u(c.num_key_value_heads), u(c.head_dim));
  const uint64_t L = u(c.num_hidden_layers);

  // q, k, v map C -> Q, KV, KV; o maps Q -> C.
  uint64_t attn = k.add(k.mul(C, Q), k.mul(2, k.mul(C, KV)));
  attn = k.add(attn, k.mul(Q, C));
  if (c.attention_bias) attn = k.add(attn, k.add(Q, k.mul(2, KV)));
  if (c.attention_output_bias) attn = k.add(attn, C);
  // gate and up map C -> F, down maps F -> C.
  uint64_t mlp = k.mul(3, k.mul(C, F));
  if (c.mlp_bias) mlp = k.add(mlp, k.add(k.mul(2, F), C));

  ParameterCounts p;
  p[ParamGroup::kEmbeddings] = k.mul(V, C);
  p[ParamGroup::kAttention] = k.mul(L, attn);
  p[ParamGroup::kMlp] = k.mul(L, mlp);
  // input_layernorm and post_attention_layernorm per layer, then model.norm.
  p[ParamGroup::kNorms] = k.add(k.mul(L, k.mul(2, C)), C);
  p[ParamGroup::kLmHead] = c.tie_word_embeddings ? 0 : k.mul(V, C);
  uint64_t total = 0;
  for (uint64_t v : p.by_group) total = k.add(total, v);
  return p;
}

uint64_t expected_parameter_count(const ModelConfig& c) { return expected_parameter_counts(c).total(); }

ParameterCounts count_parameters(const Checkpoint& ckpt, bool tied_embeddings) {
  ParameterCounts p;
  for (const auto& name : ckpt.tensor_names()) {
    const ParamGroup g = classify_parameter(name);
    if (g == ParamGroup::kLmHead && tied_embeddings) continue;
    p[g] += shape_numel(ckpt.info(name).shape);
  }
  return p;
}

}  // namespace slimlm::io
