#pragma once
// W8A8 checkpoints (SmoothQuant, compress/smoothquant_pass.cpp; run by
// model/w8a8_linear.h) in
// compressed-tensors' "int-quantized" form, the one vLLM and llm-compressor
// use for int8 weights with dynamic int8 activations:
//
//   config.json quantization_config.config_groups.G = {
//     "format": "int-quantized", "targets": [...],
//     "weights": {"num_bits": 8, "type": "int", "symmetric": true,
//                 "strategy": "channel", "dynamic": false, ...},
//     "input_activations": {"num_bits": 8, "type": "int", "symmetric": true,
//                           "strategy": "token", "dynamic": true, ...}}
//   M.weight        I8  [out, in]  signed codes q, w = scale · q
//   M.weight_scale  F32 [out, 1]   (F16 / BF16 read too)
//
// In memory the weight is a QuantizedTensor of format int8 (unsigned codes
// q + 128, f32 scales [out, 1]), so it also runs on the weight-only kernels.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "slimlm/io/safetensors_writer.h"
#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::quant {

inline constexpr std::string_view kIntQuantized = "int-quantized";

// The input_activations scheme of a W8A8 group.
nlohmann::ordered_json int8_token_activations_json();
// Whether a config group's input_activations is that scheme (dynamic,
// symmetric int8 per token).
bool is_int8_token_activations(const nlohmann::json& a);

// The tensors of module `module`: q must be int8 per channel, symmetric.
io::NamedTensors int_quantized_to_disk(std::string_view module, const QuantizedTensor& q);
// Reads them back. FormatError naming `source` and the tensor when missing
// or inconsistent.
QuantizedTensor int_quantized_from_disk(std::string_view module,
                                        const std::function<std::optional<Tensor>(const std::string&)>& lookup,
                                        std::string_view source);

}  // namespace slimlm::quant
