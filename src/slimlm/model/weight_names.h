#pragma once
// Which tensors an architecture's checkpoint holds, under which Hugging Face
// names and shapes: one declarative table per architecture
// (weight_names.cpp), read by the loader (weight_loader.h). Adding an
// architecture means adding a table and one row to the registry.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "slimlm/core/tensor.h"
#include "slimlm/io/model_config.h"

namespace slimlm::model {

// Where a tensor goes in ModelWeights (weights.h).
enum class WeightSlot : uint8_t {
  kEmbed,
  kFinalNorm,
  kLmHead,
  kAttnNorm,
  kQ,
  kK,
  kV,
  kO,
  kMlpNorm,
  kGate,
  kUp,
  kDown,
};

// A tensor dimension, named by the config value it equals.
enum class WeightDim : uint8_t {
  kVocab,   // vocab_size
  kHidden,  // hidden_size
  kQ,       // num_attention_heads * head_dim
  kKv,      // num_key_value_heads * head_dim
  kFfn,     // intermediate_size
};

// When the checkpoint must hold the tensor (and the model uses it).
enum class WeightWhen : uint8_t {
  kAlways,
  kUntied,      // !tie_word_embeddings
  kQkvBias,     // attention_bias (q, k, v)
  kOutputBias,  // attention_output_bias (o)
  kMlpBias,     // mlp_bias
};

struct WeightName {
  std::string_view pattern;  // the HF name; "{i}" stands for the layer index
  WeightSlot slot;
  bool bias;  // the bias of a Linear slot rather than its weight
  int rank;   // 1 or 2
  std::array<WeightDim, 2> dims;
  WeightWhen when;
};

// Which layers attend through config.sliding_window.
enum class WindowLayers : uint8_t {
  kAll,                 // mistral: every layer when sliding_window is set
  kFromMaxWindowLayers  // qwen2: layers i >= max_window_layers
};

struct ArchitectureSpec {
  io::Architecture arch;
  std::span<const WeightName> weights;
  // Tensors some exporters add that carry nothing the model needs (rotary
  // inv_freq buffers): skipped without a warning. Same "{i}" convention.
  std::span<const std::string_view> ignored;
  WindowLayers window_layers;
};

// Throws UnsupportedError when no table exists for `arch`.
const ArchitectureSpec& architecture_spec(io::Architecture arch);

bool layer_scoped(const WeightName& w);
// The tensor's name for one layer (ignored for model-level tensors).
std::string weight_name(const WeightName& w, int64_t layer);
bool weight_used(const WeightName& w, const io::ModelConfig& c);
Shape weight_shape(const WeightName& w, const io::ModelConfig& c);
// Whether `name` is `pattern` with "{i}" replaced by a decimal number.
bool matches_pattern(std::string_view pattern, std::string_view name);

// The attention window of one layer: 0 means the full causal context.
int64_t layer_window(const ArchitectureSpec& spec, const io::ModelConfig& c, int64_t layer);

}  // namespace slimlm::model
