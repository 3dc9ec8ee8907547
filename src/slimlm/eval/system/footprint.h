#pragma once
// How big a model is: bytes on disk (the *.safetensors files), bytes held for
// compute, parameters, bits per weight, and the KV cache's bytes per token of
// context — the numbers `slimlm compare` sets side by side.
#include <cstdint>
#include <filesystem>

namespace slimlm::model {
class Model;
}

namespace slimlm::eval {

struct ModelFootprint {
  uint64_t file_bytes = 0;    // Σ *.safetensors in the folder
  uint64_t weight_bytes = 0;  // Model::weight_bytes(): as held for compute
  uint64_t parameters = 0;
  double bits_per_weight = 0.0;   // 8 · file_bytes / parameters (what compression saves)
  uint64_t kv_bytes_per_token = 0;  // K and V of every layer for one position
};

// Throws IoError naming the folder when it cannot be listed.
ModelFootprint model_footprint(const model::Model& m, const std::filesystem::path& dir);

// 2 (K, V) · layers · kv heads · head dim · 4 bytes: an f32 cache.
uint64_t kv_bytes_per_token(int64_t layers, int64_t kv_heads, int64_t head_dim);

}  // namespace slimlm::eval
