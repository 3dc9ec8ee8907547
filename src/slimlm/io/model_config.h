#pragma once
// What slimlm knows about a model's shape, read from Hugging Face config.json
// (io/hf_config.h). Field names follow transformers so they can be checked
// against the hub file by eye.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slimlm::io {

// Persisted as its name: append only.
enum class Architecture : uint8_t {
  kLlama = 0,
  kMistral = 1,
  kQwen2 = 2,
};

// One row per supported architecture, with the transformers defaults that
// differ between them (declarative; hf_config.cpp reads it).
struct ArchitectureInfo {
  Architecture id;
  std::string_view name;        // "llama"
  std::string_view hf_class;    // "LlamaForCausalLM"
  std::string_view model_type;  // config.json model_type
  int64_t default_max_position_embeddings;
  bool default_qkv_bias;        // when config.json has no attention_bias
  bool attention_bias_includes_output;  // llama: one flag biases q, k, v and o
  bool has_sliding_window;      // mistral, qwen2
  std::optional<int64_t> default_sliding_window;
};

std::span<const ArchitectureInfo> supported_architectures();
const ArchitectureInfo& architecture_info(Architecture a);
std::string_view to_string(Architecture a);
// From a config.json `architectures` entry ("LlamaForCausalLM").
std::optional<Architecture> architecture_from_hf_class(std::string_view hf_class);
std::optional<Architecture> architecture_from_model_type(std::string_view model_type);
// "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM" for error messages.
std::string supported_architecture_list();

enum class RopeScalingType : uint8_t {
  kDefault = 0,  // no scaling
  kLinear = 1,
  kLlama3 = 2,
  kDynamic = 3,
  kYarn = 4,
  kOther = 5,  // a type transformers knows and slimlm does not; see type_name
};
std::string_view to_string(RopeScalingType t);

struct RopeScaling {
  RopeScalingType type = RopeScalingType::kDefault;
  std::string type_name = "default";  // as written in config.json
  double factor = 1.0;
  // llama3 only.
  double low_freq_factor = 0.0;
  double high_freq_factor = 0.0;
  // llama3 and yarn; 0 when absent.
  int64_t original_max_position_embeddings = 0;

  // default, linear and llama3 are implemented by model/; the rest parse so
  // `info` can show them, but a run refuses them.
  bool supported() const;
};

struct ModelConfig {
  std::string source;  // the file it came from, for messages

  std::string hf_architecture;  // architectures[0]
  Architecture arch = Architecture::kLlama;
  std::string model_type;

  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;  // = num_attention_heads when absent
  int64_t head_dim = 0;             // = hidden_size / num_attention_heads when absent
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;

  double rope_theta = 10000.0;
  RopeScaling rope_scaling;

  bool tie_word_embeddings = false;
  bool attention_bias = false;         // bias on q_proj, k_proj, v_proj
  bool attention_output_bias = false;  // bias on o_proj
  bool mlp_bias = false;               // bias on gate_proj, up_proj, down_proj

  // The attention window in tokens when any layer uses one (mistral's
  // sliding_window; qwen2's only when use_sliding_window).
  std::optional<int64_t> sliding_window;
  bool use_sliding_window = false;  // qwen2
  int64_t max_window_layers = 0;    // qwen2

  std::string hidden_act = "silu";

  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_ids;  // config.json allows an int or a list
  std::optional<int64_t> pad_token_id;
  std::string torch_dtype;  // torch_dtype or (transformers 5) dtype; empty when absent

  int64_t q_dim() const { return num_attention_heads * head_dim; }
  int64_t kv_dim() const { return num_key_value_heads * head_dim; }
};

// Reasons the model cannot run in slimlm yet (empty when it can): rope
// scaling types beyond linear/llama3, activations other than silu.
std::vector<std::string> unsupported_features(const ModelConfig& c);

}  // namespace slimlm::io
