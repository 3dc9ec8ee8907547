#pragma once
// Parameter counts by group, two ways: from the config (what the architecture
// implies) and from the weights (what the files hold). `slimlm info` shows
// both; a difference means a wrong config, a truncated or an unusual checkpoint.
#include <array>
#include <cstdint>
#include <string_view>

#include "slimlm/io/model_config.h"

namespace slimlm::io {

class Checkpoint;

enum class ParamGroup : uint8_t {
  kEmbeddings = 0,
  kAttention = 1,
  kMlp = 2,
  kNorms = 3,
  kLmHead = 4,
  kOther = 5,
};
inline constexpr size_t kNumParamGroups = 6;
std::string_view to_string(ParamGroup g);  // "embeddings", "attention", "mlp", "norms", "lm_head", "other"

// By Hugging Face naming: model.embed_tokens.*, *.self_attn.*, *.mlp.*,
// *norm*, lm_head.*; anything else is other.
ParamGroup classify_parameter(std::string_view hf_name);

struct ParameterCounts {
  std::array<uint64_t, kNumParamGroups> by_group{};

  uint64_t& operator[](ParamGroup g) { return by_group[static_cast<size_t>(g)]; }
  uint64_t operator[](ParamGroup g) const { return by_group[static_cast<size_t>(g)]; }
  uint64_t total() const;
};

// From the config: embeddings V*C; per layer q/k/v/o projections (+ biases),
// gate/up/down (+ biases) and two norms; the final norm; lm_head V*C unless
// tied. Throws ConfigError if the count overflows 64 bits.
ParameterCounts expected_parameter_counts(const ModelConfig& c);
uint64_t expected_parameter_count(const ModelConfig& c);

// From the weights' shapes. With tied embeddings a stored lm_head is the
// same matrix as the embeddings, so it is counted once (as embeddings).
ParameterCounts count_parameters(const Checkpoint& ckpt, bool tied_embeddings);

}  // namespace slimlm::io
