#pragma once
// What a checkpoint's quantization amounts to, for `slimlm info`: the
// quantization_config of its config.json and, per packed module, the format,
// the dense shape and the bytes stored.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/io/checkpoint.h"
#include "slimlm/quant/compressed_tensors.h"

namespace slimlm::quant {

struct QuantizedModuleInfo {
  std::string module;  // "model.layers.0.mlp.up_proj"
  QuantFormat format = QuantFormat::kInt8;
  int64_t rows = 0, cols = 0;
  uint64_t stored_elements = 0;  // elements of all its tensors (codes, scales, ...)
  uint64_t bytes = 0;
};

struct CheckpointQuantization {
  std::string quant_method;
  QuantizationConfig config;
  std::vector<QuantizedModuleInfo> modules;

  uint64_t parameters() const;  // Σ rows · cols of the packed modules
  uint64_t bytes() const;
  // {"quant_method", "formats": {name: tensors}, "quantized_tensors",
  //  "quantized_parameters", "bytes", "bits_per_weight", "ignore"}
  nlohmann::ordered_json to_json() const;
};

// Reads config.json beside the weights; nullopt when it has no
// quantization_config. Throws as QuantizationConfig::from_json, and
// FormatError for a packed module without a readable weight_shape.
std::optional<CheckpointQuantization> describe_quantization(const io::Checkpoint& checkpoint);

}  // namespace slimlm::quant
