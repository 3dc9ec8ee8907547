#include "slimlm/model/weight_names.h"

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::model {
namespace {

using D = WeightDim;
using S = WeightSlot;
using W = WeightWhen;

// transformers' LlamaForCausalLM names; MistralForCausalLM and
// Qwen2ForCausalLM use the same ones (the biases follow the config).
// clang-format off
constexpr WeightName kLlamaFamily[] = {
  // pattern                                      slot          bias  rank dims                  when
  {"model.embed_tokens.weight",                   S::kEmbed,     false, 2, {D::kVocab,  D::kHidden}, W::kAlways},
  {"model.layers.{i}.input_layernorm.weight",     S::kAttnNorm,  false, 1, {D::kHidden, D::kHidden}, W::kAlways},
  {"model.layers.{i}.self_attn.q_proj.weight",    S::kQ,         false, 2, {D::kQ,      D::kHidden}, W::kAlways},
  {"model.layers.{i}.self_attn.q_proj.bias",      S::kQ,         true,  1, {D::kQ,      D::kQ},      W::kQkvBias},
  {"model.layers.{i}.self_attn.k_proj.weight",    S::kK,         false, 2, {D::kKv,     D::kHidden}, W::kAlways},
  {"model.layers.{i}.self_attn.k_proj.bias",      S::kK,         true,  1, {D::kKv,     D::kKv},     W::kQkvBias},
  {"model.layers.{i}.self_attn.v_proj.weight",    S::kV,         false, 2, {D::kKv,     D::kHidden}, W::kAlways},
  {"model.layers.{i}.self_attn.v_proj.bias",      S::kV,         true,  1, {D::kKv,     D::kKv},     W::kQkvBias},
  {"model.layers.{i}.self_attn.o_proj.weight",    S::kO,         false, 2, {D::kHidden, D::kQ},      W::kAlways},
  {"model.layers.{i}.self_attn.o_proj.bias",      S::kO,         true,  1, {D::kHidden, D::kHidden}, W::kOutputBias},
  {"model.layers.{i}.post_attention_layernorm.weight", S::kMlpNorm, false, 1, {D::kHidden, D::kHidden}, W::kAlways},
  {"model.layers.{i}.mlp.gate_proj.weight",       S::kGate,      false, 2, {D::kFfn,    D::kHidden}, W::kAlways},
  {"model.layers.{i}.mlp.gate_proj.bias",         S::kGate,      true,  1, {D::kFfn,    D::kFfn},    W::kMlpBias},
  {"model.layers.{i}.mlp.up_proj.weight",         S::kUp,        false, 2, {D::kFfn,    D::kHidden}, W::kAlways},
  {"model.layers.{i}.mlp.up_proj.bias",           S::kUp,        true,  1, {D::kFfn,    D::kFfn},    W::kMlpBias},
  {"model.layers.{i}.mlp.down_proj.weight",       S::kDown,      false, 2, {D::kHidden, D::kFfn},    W::kAlways},
  {"model.layers.{i}.mlp.down_proj.bias",         S::kDown,      true,  1, {D::kHidden, D::kHidden}, W::kMlpBias},
  {"model.norm.weight",                           S::kFinalNorm, false, 1, {D::kHidden, D::kHidden}, W::kAlways},
  {"lm_head.weight",                              S::kLmHead,    false, 2, {D::kVocab,  D::kHidden}, W::kUntied},
};
// clang-format on

constexpr std::string_view kRotaryBuffers[] = {
  "model.layers.{i}.self_attn.rotary_emb.inv_freq",
  "model.rotary_emb.inv_freq",
};

constexpr ArchitectureSpec kSpecs[] = {
  {io::Architecture::kLlama, kLlamaFamily, kRotaryBuffers, WindowLayers::kAll},
  {io::Architecture::kMistral, kLlamaFamily, kRotaryBuffers, WindowLayers::kAll},
  {io::Architecture::kQwen2, kLlamaFamily, kRotaryBuffers, WindowLayers::kFromMaxWindowLayers},
};

constexpr std::string_view kLayerToken = "{i}";

int64_t dim_value(WeightDim d, const io::ModelConfig& c) {
  switch (d) {
    case D::kVocab: return c.vocab_size;
    case D::kHidden: return c.hidden_size;
    case D::kQ: return c.q_dim();
    case D::kKv: return c.kv_dim();
    case D::kFfn: return c.intermediate_size;
  }
  return 0;
}

}  // namespace

const ArchitectureSpec& architecture_spec(io::Architecture arch) {
  for (const auto& s : kSpecs) {
    if (s.arch == arch) return s;
  }
  throw UnsupportedError(fmt::format("no weight-name table for architecture '{}'",
                                     io::to_string(arch)));
}

bool layer_scoped(const WeightName& w) { return w.pattern.find(kLayerToken) != std::string_view::npos; }

std::string weight_name(const WeightName& w, int64_t layer) {
  const size_t at = w.pattern.find(kLayerToken);
  if (at == std::string_view::npos) return std::string(w.pattern);
  return fmt::format("{}{}{}", w.pattern.substr(0, at), layer, w.pattern.substr(at + kLayerToken.size()));
}

bool weight_used(const WeightName& w, const io::ModelConfig& c) {
  switch (w.when) {
    case W::kAlways: return true;
    case W::kUntied: return !c.tie_word_embeddings;
    case W::kQkvBias: return c.attention_bias;
    case W::kOutputBias: return c.attention_output_bias;
    case W::kMlpBias: return c.mlp_bias;
  }
  return false;
}

Shape weight_shape(const WeightName& w, const io::ModelConfig& c) {
  Shape s;
  for (int i = 0; i < w.rank; ++i) s.push_back(dim_value(w.dims[static_cast<size_t>(i)], c));
  return s;
}

bool matches_pattern(std::string_view pattern, std::string_view name) {
  const size_t at = pattern.find(kLayerToken);
  if (at == std::string_view::npos) return pattern == name;
  const std::string_view head = pattern.substr(0, at);
  const std::string_view tail = pattern.substr(at + kLayerToken.size());
  if (name.size() <= head.size() + tail.size()) return false;
  if (name.substr(0, head.size()) != head || name.substr(name.size() - tail.size()) != tail) {
    return false;
  }
  const std::string_view digits = name.substr(head.size(), name.size() - head.size() - tail.size());
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return false;
  }
  return true;
}

int64_t layer_window(const ArchitectureSpec& spec, const io::ModelConfig& c, int64_t layer) {
  if (!c.sliding_window) return 0;
  switch (spec.window_layers) {
    case WindowLayers::kAll: return *c.sliding_window;
    case WindowLayers::kFromMaxWindowLayers:
      return layer >= c.max_window_layers ? *c.sliding_window : 0;
  }
  return 0;
}

}  // namespace slimlm::model
