// config.json parsing on the real hub files' shapes, and the parameter count
// formula against the models' well-known sizes.
#include <gtest/gtest.h>

#include "slimlm/core/error.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/io/parameter_count.h"
#include "test_util.h"

namespace slimlm::io {
namespace {

// meta-llama/Llama-2-7b-hf config.json
constexpr const char* kLlama2_7B = R"({
  "_name_or_path": "meta-llama/Llama-2-7b-hf",
  "architectures": [
    "LlamaForCausalLM"
  ],
  "bos_token_id": 1,
  "eos_token_id": 2,
  "hidden_act": "silu",
  "hidden_size": 4096,
  "initializer_range": 0.02,
  "intermediate_size": 11008,
  "max_position_embeddings": 4096,
  "model_type": "llama",
  "num_attention_heads": 32,
  "num_hidden_layers": 32,
  "num_key_value_heads": 32,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": null,
  "tie_word_embeddings": false,
  "torch_dtype": "float16",
  "transformers_version": "4.31.0.dev0",
  "use_cache": true,
  "vocab_size": 32000
})";

// meta-llama/Llama-3.1-8B config.json
constexpr const char* kLlama31_8B = R"({
  "architectures": [
    "LlamaForCausalLM"
  ],
  "attention_bias": false,
  "attention_dropout": 0.0,
  "bos_token_id": 128000,
  "eos_token_id": 128001,
  "hidden_act": "silu",
  "hidden_size": 4096,
  "initializer_range": 0.02,
  "intermediate_size": 14336,
  "max_position_embeddings": 131072,
  "mlp_bias": false,
  "model_type": "llama",
  "num_attention_heads": 32,
  "num_hidden_layers": 32,
  "num_key_value_heads": 8,
  "pretraining_tp": 1,
  "rms_norm_eps": 1e-05,
  "rope_scaling": {
    "factor": 8.0,
    "low_freq_factor": 1.0,
    "high_freq_factor": 4.0,
    "original_max_position_embeddings": 8192,
    "rope_type": "llama3"
  },
  "rope_theta": 500000.0,
  "tie_word_embeddings": false,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.43.0.dev0",
  "use_cache": true,
  "vocab_size": 128256
})";

// mistralai/Mistral-7B-v0.1 config.json
constexpr const char* kMistral7B = R"({
  "architectures": [
    "MistralForCausalLM"
  ],
  "bos_token_id": 1,
  "eos_token_id": 2,
  "hidden_act": "silu",
  "hidden_size": 4096,
  "initializer_range": 0.02,
  "intermediate_size": 14336,
  "max_position_embeddings": 32768,
  "model_type": "mistral",
  "num_attention_heads": 32,
  "num_hidden_layers": 32,
  "num_key_value_heads": 8,
  "rms_norm_eps": 1e-05,
  "rope_theta": 10000.0,
  "sliding_window": 4096,
  "tie_word_embeddings": false,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.34.0.dev0",
  "use_cache": true,
  "vocab_size": 32000
})";

// Qwen/Qwen2.5-0.5B config.json
constexpr const char* kQwen25_05B = R"({
  "architectures": [
    "Qwen2ForCausalLM"
  ],
  "attention_dropout": 0.0,
  "bos_token_id": 151643,
  "eos_token_id": 151643,
  "hidden_act": "silu",
  "hidden_size": 896,
  "initializer_range": 0.02,
  "intermediate_size": 4864,
  "max_position_embeddings": 32768,
  "max_window_layers": 24,
  "model_type": "qwen2",
  "num_attention_heads": 14,
  "num_hidden_layers": 24,
  "num_key_value_heads": 2,
  "rms_norm_eps": 1e-06,
  "rope_theta": 1000000.0,
  "sliding_window": 32768,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "transformers_version": "4.40.1",
  "use_cache": true,
  "use_mrope": false,
  "use_sliding_window": false,
  "vocab_size": 151936
})";

// The transformers 5 layout (rope_parameters, dtype), as in the shared
// bench-llama-26m folder.
constexpr const char* kTransformers5Llama = R"({
  "architectures": ["LlamaForCausalLM"],
  "attention_bias": false,
  "bos_token_id": 0,
  "dtype": "bfloat16",
  "eos_token_id": 0,
  "head_dim": 64,
  "hidden_act": "silu",
  "hidden_size": 512,
  "intermediate_size": 1536,
  "max_position_embeddings": 2048,
  "mlp_bias": false,
  "model_type": "llama",
  "num_attention_heads": 8,
  "num_hidden_layers": 6,
  "num_key_value_heads": 2,
  "pad_token_id": null,
  "rms_norm_eps": 1e-05,
  "rope_parameters": {"rope_theta": 10000.0, "rope_type": "default"},
  "tie_word_embeddings": false,
  "vocab_size": 8192
})";

ModelConfig parse(const std::string& json) { return parse_hf_config(json, "/models/x/config.json"); }

std::string config_error(const std::string& json) {
  try {
    parse(json);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

// `json` with the value of `key` replaced (or the key renamed away when
// value is empty). Values may span lines (lists, objects).
std::string edit(std::string json, const std::string& key, const std::string& value) {
  const auto at = json.find("\"" + key + "\"");
  EXPECT_NE(at, std::string::npos) << key;
  size_t i = json.find(':', at) + 1;
  while (json[i] == ' ') ++i;
  int depth = 0;
  bool in_string = false;
  for (; i < json.size(); ++i) {
    const char ch = json[i];
    if (in_string) {
      if (ch == '\\') ++i;
      else if (ch == '"') in_string = false;
      continue;
    }
    if (ch == '"') in_string = true;
    else if (ch == '[' || ch == '{') ++depth;
    else if (ch == ']' || ch == '}') {
      if (depth == 0) break;
      --depth;
    } else if (depth == 0 && (ch == ',' || ch == '\n')) {
      break;
    }
  }
  json.replace(at, i - at, value.empty() ? "\"_removed\": 0" : "\"" + key + "\": " + value);
  return json;
}

TEST(HfConfig, Llama2_7B) {
  const auto c = parse(kLlama2_7B);
  EXPECT_EQ(c.hf_architecture, "LlamaForCausalLM");
  EXPECT_EQ(c.arch, Architecture::kLlama);
  EXPECT_EQ(c.model_type, "llama");
  EXPECT_EQ(c.vocab_size, 32000);
  EXPECT_EQ(c.hidden_size, 4096);
  EXPECT_EQ(c.intermediate_size, 11008);
  EXPECT_EQ(c.num_hidden_layers, 32);
  EXPECT_EQ(c.num_attention_heads, 32);
  EXPECT_EQ(c.num_key_value_heads, 32);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.max_position_embeddings, 4096);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-5);
  EXPECT_DOUBLE_EQ(c.rope_theta, 10000.0);  // transformers' default: the file has none
  EXPECT_EQ(c.rope_scaling.type, RopeScalingType::kDefault);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_FALSE(c.attention_output_bias);
  EXPECT_FALSE(c.mlp_bias);
  EXPECT_FALSE(c.sliding_window);
  EXPECT_EQ(c.bos_token_id, 1);
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{2});
  EXPECT_FALSE(c.pad_token_id);
  EXPECT_EQ(c.torch_dtype, "float16");
  EXPECT_EQ(c.hidden_act, "silu");
  EXPECT_TRUE(unsupported_features(c).empty());
  EXPECT_EQ(expected_parameter_count(c), 6'738'415'616u);
}

TEST(HfConfig, Llama31_8B_Llama3RopeScaling) {
  const auto c = parse(kLlama31_8B);
  EXPECT_EQ(c.num_key_value_heads, 8);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.kv_dim(), 1024);
  EXPECT_EQ(c.max_position_embeddings, 131072);
  EXPECT_DOUBLE_EQ(c.rope_theta, 500000.0);
  EXPECT_EQ(c.rope_scaling.type, RopeScalingType::kLlama3);
  EXPECT_EQ(c.rope_scaling.type_name, "llama3");
  EXPECT_DOUBLE_EQ(c.rope_scaling.factor, 8.0);
  EXPECT_DOUBLE_EQ(c.rope_scaling.low_freq_factor, 1.0);
  EXPECT_DOUBLE_EQ(c.rope_scaling.high_freq_factor, 4.0);
  EXPECT_EQ(c.rope_scaling.original_max_position_embeddings, 8192);
  EXPECT_TRUE(c.rope_scaling.supported());
  EXPECT_EQ(c.bos_token_id, 128000);
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{128001});
  EXPECT_EQ(c.torch_dtype, "bfloat16");
  EXPECT_EQ(expected_parameter_count(c), 8'030'261'248u);
  const auto p = expected_parameter_counts(c);
  EXPECT_EQ(p[ParamGroup::kEmbeddings], 525'336'576u);
  EXPECT_EQ(p[ParamGroup::kLmHead], 525'336'576u);
  EXPECT_EQ(p[ParamGroup::kAttention], uint64_t{32} * (2 * 4096 * 4096 + 2 * 4096 * 1024));
  EXPECT_EQ(p[ParamGroup::kMlp], uint64_t{32} * 3 * 4096 * 14336);
  EXPECT_EQ(p[ParamGroup::kNorms], 65 * 4096u);
}

TEST(HfConfig, Mistral7B) {
  const auto c = parse(kMistral7B);
  EXPECT_EQ(c.arch, Architecture::kMistral);
  EXPECT_EQ(c.hf_architecture, "MistralForCausalLM");
  EXPECT_EQ(c.num_key_value_heads, 8);
  EXPECT_EQ(c.max_position_embeddings, 32768);
  ASSERT_TRUE(c.sliding_window);
  EXPECT_EQ(*c.sliding_window, 4096);
  EXPECT_FALSE(c.attention_bias);
  EXPECT_EQ(expected_parameter_count(c), 7'241'732'096u);
}

TEST(HfConfig, Qwen25_05B_TiedWithBiases) {
  const auto c = parse(kQwen25_05B);
  EXPECT_EQ(c.arch, Architecture::kQwen2);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_TRUE(c.attention_bias);
  EXPECT_FALSE(c.attention_output_bias);
  EXPECT_FALSE(c.mlp_bias);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_DOUBLE_EQ(c.rms_norm_eps, 1e-6);
  EXPECT_DOUBLE_EQ(c.rope_theta, 1e6);
  EXPECT_FALSE(c.use_sliding_window);
  EXPECT_FALSE(c.sliding_window) << "qwen2 uses its window only with use_sliding_window";
  EXPECT_EQ(c.max_window_layers, 24);
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{151643});
  EXPECT_EQ(expected_parameter_count(c), 494'032'768u);
  const auto p = expected_parameter_counts(c);
  EXPECT_EQ(p[ParamGroup::kLmHead], 0u);
  // q/k/v biases: 24 layers x (896 + 128 + 128).
  auto no_bias = c;
  no_bias.attention_bias = false;
  EXPECT_EQ(expected_parameter_count(c) - expected_parameter_count(no_bias), 24u * 1152);
}

TEST(HfConfig, Transformers5RopeParametersAndDtype) {
  const auto c = parse(kTransformers5Llama);
  EXPECT_DOUBLE_EQ(c.rope_theta, 10000.0);
  EXPECT_EQ(c.rope_scaling.type, RopeScalingType::kDefault);
  EXPECT_EQ(c.torch_dtype, "bfloat16");
  EXPECT_FALSE(c.pad_token_id) << "null counts as absent";
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(expected_parameter_count(c), 26'483'200u);  // bench-llama-26m's README

  const std::string llama3 = edit(kTransformers5Llama, "rope_parameters",
                                  R"({"rope_theta": 500000.0, "rope_type": "llama3", "factor": 32.0,)"
                                  R"( "low_freq_factor": 1.0, "high_freq_factor": 4.0,)"
                                  R"( "original_max_position_embeddings": 8192})");
  const auto c3 = parse(llama3);
  EXPECT_DOUBLE_EQ(c3.rope_theta, 500000.0);
  EXPECT_EQ(c3.rope_scaling.type, RopeScalingType::kLlama3);
  EXPECT_DOUBLE_EQ(c3.rope_scaling.factor, 32.0);
}

TEST(HfConfig, RopeScalingVariants) {
  const auto lin = parse(edit(kLlama2_7B, "rope_scaling", R"({"type": "linear", "factor": 2.0})"));
  EXPECT_EQ(lin.rope_scaling.type, RopeScalingType::kLinear);
  EXPECT_DOUBLE_EQ(lin.rope_scaling.factor, 2.0);
  EXPECT_TRUE(lin.rope_scaling.supported());

  const auto dyn = parse(edit(kLlama2_7B, "rope_scaling", R"({"rope_type": "dynamic", "factor": 4.0})"));
  EXPECT_EQ(dyn.rope_scaling.type, RopeScalingType::kDynamic);
  EXPECT_FALSE(dyn.rope_scaling.supported());
  ASSERT_EQ(unsupported_features(dyn).size(), 1u);
  EXPECT_NE(unsupported_features(dyn)[0].find("dynamic"), std::string::npos);

  const auto yarn = parse(edit(kLlama2_7B, "rope_scaling",
                               R"({"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768})"));
  EXPECT_EQ(yarn.rope_scaling.type, RopeScalingType::kYarn);
  EXPECT_EQ(yarn.rope_scaling.original_max_position_embeddings, 32768);
  EXPECT_FALSE(yarn.rope_scaling.supported());

  const auto other = parse(edit(kLlama2_7B, "rope_scaling", R"({"rope_type": "longrope", "factor": 4.0})"));
  EXPECT_EQ(other.rope_scaling.type, RopeScalingType::kOther);
  EXPECT_EQ(other.rope_scaling.type_name, "longrope");

  auto msg = config_error(edit(kLlama31_8B, "low_freq_factor", ""));
  EXPECT_NE(msg.find("key 'rope_scaling.low_freq_factor' is missing"), std::string::npos) << msg;
  msg = config_error(edit(kLlama2_7B, "rope_scaling", R"({"factor": 2.0})"));
  EXPECT_NE(msg.find("rope_scaling.rope_type"), std::string::npos) << msg;
  msg = config_error(edit(kLlama2_7B, "rope_scaling", R"({"type": "linear"})"));
  EXPECT_NE(msg.find("rope_scaling.factor"), std::string::npos) << msg;
}

TEST(HfConfig, DefaultsAndVariants) {
  // No num_key_value_heads: multi-head attention.
  auto c = parse(edit(kLlama2_7B, "num_key_value_heads", ""));
  EXPECT_EQ(c.num_key_value_heads, 32);
  // Explicit head_dim wins over hidden/heads.
  c = parse(edit(kLlama2_7B, "initializer_range", "0.02, \"head_dim\": 256"));
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.q_dim(), 32 * 256);
  // eos as a list (Llama-3.1-8B-Instruct).
  c = parse(edit(kLlama31_8B, "eos_token_id", "[128001, 128008, 128009]"));
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{128001, 128008, 128009}));
  // Llama's attention_bias biases o_proj too.
  c = parse(edit(kLlama31_8B, "attention_bias", "true"));
  EXPECT_TRUE(c.attention_bias);
  EXPECT_TRUE(c.attention_output_bias);
  EXPECT_EQ(expected_parameter_count(c), 8'030'261'248u + 32u * (4096 + 1024 + 1024 + 4096));
  c = parse(edit(kLlama31_8B, "mlp_bias", "true"));
  EXPECT_EQ(expected_parameter_count(c), 8'030'261'248u + 32u * (14336 * 2 + 4096));
  // Qwen2 with its window switched on.
  c = parse(edit(kQwen25_05B, "use_sliding_window", "true"));
  ASSERT_TRUE(c.sliding_window);
  EXPECT_EQ(*c.sliding_window, 32768);
  // Mistral v0.2+: a null window is no window.
  c = parse(edit(kMistral7B, "sliding_window", "null"));
  EXPECT_FALSE(c.sliding_window);
  // A non-silu activation parses and is reported.
  c = parse(edit(kLlama2_7B, "hidden_act", "\"gelu\""));
  EXPECT_EQ(c.hidden_act, "gelu");
  ASSERT_EQ(unsupported_features(c).size(), 1u);
  // Only model_type, no architectures.
  c = parse(edit(kMistral7B, "architectures", "null"));
  EXPECT_EQ(c.arch, Architecture::kMistral);
  EXPECT_EQ(c.hf_architecture, "MistralForCausalLM");
}

TEST(HfConfig, UnknownArchitectureListsSupportedOnes) {
  try {
    parse(edit(kLlama2_7B, "architectures", R"(["GPT2LMHeadModel"])"));
    FAIL();
  } catch (const UnsupportedError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("/models/x/config.json"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'GPT2LMHeadModel'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM"), std::string::npos) << msg;
  }
}

TEST(HfConfig, MissingOrMistypedKeysNameFileAndKey) {
  struct Case {
    std::string json, expect;
  };
  const std::vector<Case> cases = {
      {edit(kLlama2_7B, "hidden_size", ""), "/models/x/config.json: key 'hidden_size' is missing"},
      {edit(kLlama2_7B, "vocab_size", ""), "key 'vocab_size' is missing"},
      {edit(kLlama2_7B, "hidden_size", "\"4096\""), "key 'hidden_size' must be an integer, not string"},
      {edit(kLlama2_7B, "hidden_size", "4096.5"), "key 'hidden_size' must be an integer"},
      {edit(kLlama2_7B, "num_hidden_layers", "0"), "key 'num_hidden_layers' must be positive"},
      {edit(kLlama2_7B, "num_key_value_heads", "5"), "key 'num_key_value_heads' (5) must divide"},
      {edit(kLlama2_7B, "hidden_size", "4097"), "key 'head_dim' is missing and hidden_size 4097"},
      {edit(kLlama2_7B, "tie_word_embeddings", "\"no\""), "key 'tie_word_embeddings' must be true or false"},
      {edit(kLlama2_7B, "rms_norm_eps", "-1"), "key 'rms_norm_eps' must be positive"},
      {edit(kLlama2_7B, "rope_scaling", "7"), "key 'rope_scaling' must be an object"},
      {edit(kLlama2_7B, "eos_token_id", "[2, \"x\"]"), "key 'eos_token_id' must be an integer or a list"},
      {edit(kLlama2_7B, "architectures", "[]"), "key 'architectures' must be a non-empty list"},
      {edit(kLlama2_7B, "vocab_size", "18446744073709551615"), "key 'vocab_size' is too large"},
      {"{\"architectures\": [\"LlamaForCausalLM\"", "/models/x/config.json: not valid JSON"},
      {"[1]", "expected a JSON object"},
  };
  for (const auto& c : cases) {
    const std::string msg = config_error(c.json);
    EXPECT_NE(msg.find(c.expect), std::string::npos) << "expected '" << c.expect << "' in: " << msg;
  }
}

TEST(HfConfig, HugeSizesOverflowIsAnErrorNotAWrap) {
  const auto c = parse(edit(edit(edit(kLlama2_7B, "hidden_size", "4294967296"), "num_attention_heads", "1"),
                            "num_key_value_heads", "1"));
  EXPECT_THROW(expected_parameter_count(c), ConfigError);
}

TEST(HfConfig, LoadFromFile) {
  testing::TempDir tmp;
  testing::write_file(tmp / "config.json", kQwen25_05B);
  const auto c = load_hf_config(tmp / "config.json");
  EXPECT_EQ(c.source, (tmp / "config.json").string());
  EXPECT_EQ(c.vocab_size, 151936);
  EXPECT_THROW(load_hf_config(tmp / "missing.json"), IoError);
  EXPECT_THROW(load_hf_config(tmp.path()), IoError);
}

TEST(ParameterGroups, ClassifiesHfNames) {
  EXPECT_EQ(classify_parameter("model.embed_tokens.weight"), ParamGroup::kEmbeddings);
  EXPECT_EQ(classify_parameter("model.layers.3.self_attn.q_proj.weight"), ParamGroup::kAttention);
  EXPECT_EQ(classify_parameter("model.layers.3.self_attn.k_proj.bias"), ParamGroup::kAttention);
  EXPECT_EQ(classify_parameter("model.layers.0.mlp.down_proj.weight"), ParamGroup::kMlp);
  EXPECT_EQ(classify_parameter("model.layers.0.input_layernorm.weight"), ParamGroup::kNorms);
  EXPECT_EQ(classify_parameter("model.layers.0.post_attention_layernorm.weight"), ParamGroup::kNorms);
  EXPECT_EQ(classify_parameter("model.norm.weight"), ParamGroup::kNorms);
  EXPECT_EQ(classify_parameter("lm_head.weight"), ParamGroup::kLmHead);
  EXPECT_EQ(classify_parameter("model.layers.0.self_attn.rotary_emb.inv_freq"), ParamGroup::kAttention);
  EXPECT_EQ(classify_parameter("score.weight"), ParamGroup::kOther);
  EXPECT_EQ(to_string(ParamGroup::kLmHead), "lm_head");
}

TEST(UncompressedConfig, ReadsTheJsonInOrderAndRefusesCompressedModels) {
  slimlm::testing::TempDir tmp;
  const std::filesystem::path fixture = std::filesystem::path(SLIMLM_SOURCE_DIR) / "models" / "tiny-llama";
  std::filesystem::create_directories(tmp / "m");
  std::filesystem::copy_file(fixture / "config.json", tmp / "m" / "config.json");
  const UncompressedConfig in = read_uncompressed_config(tmp / "m", "prune");
  EXPECT_EQ(in.config.num_hidden_layers, 4);
  EXPECT_EQ(in.json.begin().key(), "architectures");  // the file's key order
  auto j = in.json;
  j["quantization_config"] = {{"format", "pack-quantized"}};
  slimlm::testing::write_file(tmp / "m" / "config.json", j.dump());
  try {
    read_uncompressed_config(tmp / "m", "prune");
    FAIL() << "a quantized model must be refused";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find((tmp / "m").string() + ": the model is already quantized"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("prune the original instead"), std::string::npos) << e.what();
  }
  slimlm::testing::write_file(tmp / "m" / "config.json", "[1, 2]");
  EXPECT_THROW(read_uncompressed_config(tmp / "m", "prune"), FormatError);
  EXPECT_THROW(read_uncompressed_config(tmp / "missing", "prune"), IoError);
}

}  // namespace
}  // namespace slimlm::io
