#include "tiny_model.h"

#include <cstring>
#include <map>
#include <random>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "slimlm/io/hf_config.h"
#include "slimlm/io/safetensors_writer.h"
#include "test_util.h"

namespace slimlm::testing {

std::vector<std::pair<std::string, Shape>> hf_weight_shapes(const io::ModelConfig& c) {
  const int64_t C = c.hidden_size, F = c.intermediate_size, Q = c.q_dim(), KV = c.kv_dim();
  std::vector<std::pair<std::string, Shape>> w;
  w.push_back({"model.embed_tokens.weight", {c.vocab_size, C}});
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string l = fmt::format("model.layers.{}.", i);
    w.push_back({l + "input_layernorm.weight", {C}});
    w.push_back({l + "self_attn.q_proj.weight", {Q, C}});
    if (c.attention_bias) w.push_back({l + "self_attn.q_proj.bias", {Q}});
    w.push_back({l + "self_attn.k_proj.weight", {KV, C}});
    if (c.attention_bias) w.push_back({l + "self_attn.k_proj.bias", {KV}});
    w.push_back({l + "self_attn.v_proj.weight", {KV, C}});
    if (c.attention_bias) w.push_back({l + "self_attn.v_proj.bias", {KV}});
    w.push_back({l + "self_attn.o_proj.weight", {C, Q}});
    if (c.attention_output_bias) w.push_back({l + "self_attn.o_proj.bias", {C}});
    w.push_back({l + "post_attention_layernorm.weight", {C}});
    w.push_back({l + "mlp.gate_proj.weight", {F, C}});
    if (c.mlp_bias) w.push_back({l + "mlp.gate_proj.bias", {F}});
    w.push_back({l + "mlp.up_proj.weight", {F, C}});
    if (c.mlp_bias) w.push_back({l + "mlp.up_proj.bias", {F}});
    w.push_back({l + "mlp.down_proj.weight", {C, F}});
    if (c.mlp_bias) w.push_back({l + "mlp.down_proj.bias", {C}});
  }
  w.push_back({"model.norm.weight", {C}});
  if (!c.tie_word_embeddings) w.push_back({"lm_head.weight", {c.vocab_size, C}});
  return w;
}

io::ModelConfig write_tiny_model(const std::filesystem::path& dir, const std::string& config_json,
                                 const TinyModelOptions& opts) {
  std::filesystem::create_directories(dir);
  write_file(dir / "config.json", config_json);
  const io::ModelConfig c = io::parse_hf_config(config_json, (dir / "config.json").string());

  std::mt19937 rng(opts.seed);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  io::NamedTensors all;
  for (auto& [name, shape] : hf_weight_shapes(c)) {
    Tensor t = Tensor::empty(opts.dtype, shape);
    if (opts.dtype == DType::kBF16) {
      auto* p = static_cast<uint16_t*>(t.mutable_raw_data());
      for (uint64_t i = 0; i < t.numel(); ++i) {
        const float f = normal(rng);
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        p[i] = static_cast<uint16_t>(bits >> 16);
      }
    } else {
      float* p = t.mutable_data<float>();
      for (uint64_t i = 0; i < t.numel(); ++i) p[i] = normal(rng);
    }
    all.emplace_back(name, std::move(t));
  }

  const std::map<std::string, std::string> meta = {{"format", "pt"}};
  if (opts.shards <= 1) {
    io::write_safetensors(dir / "model.safetensors", all, meta);
  } else {
    nlohmann::ordered_json index;
    uint64_t total = 0;
    const size_t per = (all.size() + static_cast<size_t>(opts.shards) - 1) / static_cast<size_t>(opts.shards);
    for (int s = 0; s < opts.shards; ++s) {
      const std::string file =
          fmt::format("model-{:05d}-of-{:05d}.safetensors", s + 1, opts.shards);
      io::NamedTensors part;
      for (size_t i = static_cast<size_t>(s) * per; i < all.size() && i < static_cast<size_t>(s + 1) * per; ++i) {
        part.push_back(all[i]);
        index["weight_map"][all[i].first] = file;
        total += all[i].second.nbytes();
      }
      io::write_safetensors(dir / file, part, meta);
    }
    index["metadata"]["total_size"] = total;
    write_file(dir / "model.safetensors.index.json", index.dump(2));
  }
  if (opts.tokenizer_files) {
    write_file(dir / "tokenizer.json", R"({"version":"1.0","model":{"type":"BPE"}})");
    write_file(dir / "tokenizer_config.json", "{}");
    write_file(dir / "generation_config.json", R"({"bos_token_id":1,"eos_token_id":2})");
  }
  return c;
}

std::string tiny_llama_config() {
  return R"({
  "architectures": ["LlamaForCausalLM"],
  "attention_bias": false,
  "bos_token_id": 1,
  "eos_token_id": [2, 3],
  "hidden_act": "silu",
  "hidden_size": 64,
  "intermediate_size": 160,
  "max_position_embeddings": 256,
  "mlp_bias": false,
  "model_type": "llama",
  "num_attention_heads": 4,
  "num_hidden_layers": 2,
  "num_key_value_heads": 2,
  "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                   "original_max_position_embeddings": 64, "rope_type": "llama3"},
  "rope_theta": 500000.0,
  "tie_word_embeddings": false,
  "torch_dtype": "float32",
  "vocab_size": 96
})";
}

std::string tiny_qwen2_config() {
  return R"({
  "architectures": ["Qwen2ForCausalLM"],
  "bos_token_id": 0,
  "eos_token_id": 0,
  "hidden_act": "silu",
  "hidden_size": 48,
  "intermediate_size": 112,
  "max_position_embeddings": 512,
  "max_window_layers": 3,
  "model_type": "qwen2",
  "num_attention_heads": 6,
  "num_hidden_layers": 3,
  "num_key_value_heads": 2,
  "rms_norm_eps": 1e-06,
  "rope_theta": 1000000.0,
  "sliding_window": 512,
  "tie_word_embeddings": true,
  "torch_dtype": "bfloat16",
  "use_sliding_window": false,
  "vocab_size": 80
})";
}

std::string tiny_mistral_config() {
  return R"({
  "architectures": ["MistralForCausalLM"],
  "bos_token_id": 1,
  "eos_token_id": 2,
  "hidden_act": "silu",
  "hidden_size": 32,
  "intermediate_size": 96,
  "max_position_embeddings": 1024,
  "model_type": "mistral",
  "num_attention_heads": 4,
  "num_hidden_layers": 2,
  "num_key_value_heads": 1,
  "rms_norm_eps": 1e-05,
  "rope_theta": 10000.0,
  "sliding_window": 128,
  "tie_word_embeddings": false,
  "torch_dtype": "bfloat16",
  "vocab_size": 64
})";
}

}  // namespace slimlm::testing
