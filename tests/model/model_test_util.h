#pragma once
// Helpers for the model tests: tiny random checkpoints written the way
// transformers' save_pretrained lays them out, and a scalar reference
// forward pass built from kernels/ref, independent of model/ (it reads the
// tensors by their HF names itself).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "slimlm/core/dtype.h"
#include "slimlm/io/model_config.h"
#include "slimlm/io/safetensors_writer.h"

namespace slimlm::testing {

// A scratch folder that removes itself.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Small configs in the shape of the real files; `patch` is merged in
// (RFC 7386: a null removes a key).
nlohmann::json llama_config(const nlohmann::json& patch = nlohmann::json::object());
nlohmann::json qwen2_config(const nlohmann::json& patch = nlohmann::json::object());
nlohmann::json mistral_config(const nlohmann::json& patch = nlohmann::json::object());

struct CheckpointOptions {
  DType dtype = DType::kF32;  // f32, f16 or bf16
  uint32_t seed = 1;
  // More than 1: model-0000i-of-0000n.safetensors shards and an index.
  int shards = 1;
  // Called on the tensors before they are written: drop, reshape, poison.
  std::function<void(io::NamedTensors&)> edit;
};

// Writes config.json and model.safetensors with random weights of a
// realistic scale (norm weights near 1, projections ~ 1/sqrt(in)).
io::ModelConfig write_checkpoint(const std::filesystem::path& dir, const nlohmann::json& config,
                                 const CheckpointOptions& opts = {});

// The tensor called `name` in `tensors` (throws when absent).
Tensor& find_tensor(io::NamedTensors& tensors, const std::string& name);

struct ReferenceResult {
  std::vector<float> logits;               // [T, V]
  std::vector<std::vector<float>> hidden;  // L+1 of [T, C], as Model::score
};

// transformers' forward pass in plain loops and f64 sums over the
// checkpoint in `dir`, for one sequence.
ReferenceResult reference_forward(const std::filesystem::path& dir, std::span<const int32_t> ids);

// max |a - b| / max |b|: the error measure used against references.
double max_rel_error(std::span<const float> got, std::span<const float> want);

std::vector<int32_t> random_tokens(int64_t n, int64_t vocab, uint32_t seed);

}  // namespace slimlm::testing
