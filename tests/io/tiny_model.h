#pragma once
// Writes a small model folder the way transformers' save_pretrained does:
// config.json plus random weights under the HF Llama/Mistral/Qwen2 names,
// optionally sharded with a model.safetensors.index.json.
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "slimlm/core/dtype.h"
#include "slimlm/core/tensor.h"
#include "slimlm/io/model_config.h"

namespace slimlm::testing {

// HF tensor names and shapes the config implies (embeddings, layers in order,
// final norm, lm_head unless tied).
std::vector<std::pair<std::string, Shape>> hf_weight_shapes(const io::ModelConfig& c);

struct TinyModelOptions {
  DType dtype = DType::kF32;  // f32 or bf16
  int shards = 1;
  uint32_t seed = 1;
  bool tokenizer_files = true;
};

// Parses `config_json`, writes it and the weights into `dir`; returns the config.
io::ModelConfig write_tiny_model(const std::filesystem::path& dir, const std::string& config_json,
                                 const TinyModelOptions& opts = {});

// Tiny configs in the real files' shapes.
std::string tiny_llama_config();    // GQA, untied, rope_scaling llama3
std::string tiny_qwen2_config();    // tied, q/k/v biases
std::string tiny_mistral_config();  // GQA, sliding window

}  // namespace slimlm::testing
