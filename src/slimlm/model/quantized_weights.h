#pragma once
// The loader's view of a quantized checkpoint (one whose config.json carries
// a quantization_config, quant/compressed_tensors.h): which Linear weights
// are stored packed, and their QuantizedTensors. The weight loader
// (weight_loader.cpp) asks it before loading a Linear weight as f32.
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "slimlm/io/checkpoint.h"
#include "slimlm/quant/compressed_tensors.h"

namespace slimlm::model {

class QuantizedWeights {
 public:
  // Null when the folder's config.json has no quantization_config. Throws
  // FormatError / UnsupportedError (naming config.json) for a config slimlm
  // cannot read.
  static std::unique_ptr<QuantizedWeights> open(const io::Checkpoint& checkpoint);

  // Whether weight `name` ("model.layers.0.mlp.up_proj.weight") is stored
  // packed. FormatError when packed tensors exist but no config group
  // covers the module.
  bool holds(std::string_view name) const;
  // Reads the packed tensors of `name` and checks them against the [out, in]
  // shape the model config implies (FormatError naming the tensor).
  void check(std::string_view name, const Shape& expected);
  // The checked weight (check() first), moved out.
  quant::QuantizedTensor take(std::string_view name);
  // Whether a checkpoint tensor is part of some packed weight (so that it is
  // not reported as unused).
  bool owns(std::string_view tensor_name) const;
  // Whether weight `name` is W8A8: int-quantized (quant/int_quantized.h),
  // run with int8 activations per token.
  bool int8_activations(std::string_view name) const;

  const quant::QuantizationConfig& config() const { return config_; }

  QuantizedWeights(const io::Checkpoint& checkpoint, quant::QuantizationConfig config);

 private:
  const io::Checkpoint& checkpoint_;
  quant::QuantizationConfig config_;
  std::map<std::string, quant::QuantizedTensor, std::less<>> checked_;
};

// The module of a weight name: "x.weight" -> "x".
std::string_view module_of(std::string_view weight_name);

}  // namespace slimlm::model
