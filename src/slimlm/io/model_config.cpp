#include "slimlm/io/model_config.h"

#include <array>

#include "slimlm/core/error.h"

namespace slimlm::io {
namespace {

// Defaults are transformers' (LlamaConfig, MistralConfig, Qwen2Config).
// clang-format off
constexpr std::array kArchitectures = {
  //               id                     name       hf class              model_type max_pos   qkv_bias o=qkv  window  default window
  ArchitectureInfo{Architecture::kLlama,   "llama",   "LlamaForCausalLM",   "llama",   2048,     false,   true,  false,  std::nullopt},
  ArchitectureInfo{Architecture::kMistral, "mistral", "MistralForCausalLM", "mistral", 4096 * 32, false,   false, true,   4096},
  ArchitectureInfo{Architecture::kQwen2,   "qwen2",   "Qwen2ForCausalLM",   "qwen2",   32768,    true,    false, true,   4096},
};

constexpr std::array<std::string_view, 6> kRopeTypeNames = {
  "default", "linear", "llama3", "dynamic", "yarn", "other",
};
// clang-format on

}  // namespace

std::span<const ArchitectureInfo> supported_architectures() { return kArchitectures; }

const ArchitectureInfo& architecture_info(Architecture a) {
  for (const auto& info : kArchitectures) {
    if (info.id == a) return info;
  }
  throw UnsupportedError("unknown architecture id " + std::to_string(static_cast<int>(a)));
}

std::string_view to_string(Architecture a) { return architecture_info(a).name; }

std::optional<Architecture> architecture_from_hf_class(std::string_view hf_class) {
  for (const auto& info : kArchitectures) {
    if (info.hf_class == hf_class) return info.id;
  }
  return std::nullopt;
}

std::optional<Architecture> architecture_from_model_type(std::string_view model_type) {
  for (const auto& info : kArchitectures) {
    if (info.model_type == model_type) return info.id;
  }
  return std::nullopt;
}

std::string supported_architecture_list() {
  std::string s;
  for (const auto& info : kArchitectures) {
    if (!s.empty()) s += ", ";
    s += info.hf_class;
  }
  return s;
}

std::string_view to_string(RopeScalingType t) {
  const auto i = static_cast<size_t>(t);
  return i < kRopeTypeNames.size() ? kRopeTypeNames[i] : "other";
}

bool RopeScaling::supported() const {
  return type == RopeScalingType::kDefault || type == RopeScalingType::kLinear ||
         type == RopeScalingType::kLlama3;
}

std::vector<std::string> unsupported_features(const ModelConfig& c) {
  std::vector<std::string> out;
  if (!c.rope_scaling.supported()) {
    out.push_back("rope scaling type '" + c.rope_scaling.type_name +
                  "' (supported: default, linear, llama3)");
  }
  if (c.hidden_act != "silu") out.push_back("activation '" + c.hidden_act + "' (supported: silu)");
  return out;
}

}  // namespace slimlm::io
