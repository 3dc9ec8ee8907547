#pragma once
// Quantized checkpoints in compressed-tensors' "pack-quantized" form, so that
// vLLM / transformers / llm-compressor read what slimlm writes, and slimlm
// reads what they write (INT weights, static group or channel scales).
//
// config.json carries
//   "quantization_config": {
//     "quant_method": "compressed-tensors", "format": "pack-quantized",
//     "config_groups": {"group_0": {"targets": ["Linear"], "weights": {
//         "num_bits": 4, "type": "int", "symmetric": true,
//         "strategy": "group" | "channel", "group_size": 128 | null,
//         "actorder": null | "group", ...}, "input_activations": null, ...}},
//     "ignore": ["lm_head"], "quantization_status": "compressed"}
// and for each quantized Linear module M the safetensors hold
//   M.weight_packed      I32 [rows, ceil(cols / (32/bits))]  codes (format.h)
//   M.weight_scale       F16 [rows, groups] (BF16 / F32 read too)
//   M.weight_zero_point  I32 [ceil(rows / (32/bits)), groups]  asymmetric only:
//                        the zero points packed the same way down the rows
//   M.weight_shape       I64 [2]  (rows, cols)
//   M.weight_g_idx       I32 [cols]  act-order only: each column's group
// Mixed formats are further config groups whose targets are module names
// (compressed-tensors gives a name precedence over "re:" patterns, and those
// over the class "Linear").
//
// NF4 has no compressed-tensors form. slimlm stores it under the same tensor
// names (codes packed like int4; weight_scale F32 [rows, cols/64] holding the
// bitsandbytes absmax) in a config group with "format": "nf4-pack-quantized"
// and weights {"type": "nf4", "num_bits": 4, "group_size": 64, ...}; a
// config holding such a group says "quant_method": "slimlm", so that other
// tools refuse it instead of misreading it.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/io/safetensors_writer.h"
#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::quant {

inline constexpr std::string_view kQuantMethodCompressedTensors = "compressed-tensors";
inline constexpr std::string_view kQuantMethodSlimlm = "slimlm";
inline constexpr std::string_view kPackQuantized = "pack-quantized";
inline constexpr std::string_view kNf4PackQuantized = "nf4-pack-quantized";

struct ConfigGroup {
  std::string name;                  // "group_0"
  QuantFormat format = QuantFormat::kInt4G128;
  std::vector<std::string> targets;  // "Linear", module names, "re:<regex>"
  bool act_order = false;            // weight_g_idx present
  // W8A8 (quant/int_quantized.h): int8 per-channel weights stored
  // "int-quantized", input activations int8 per token at run time.
  bool int8_activations = false;
};

struct QuantizationConfig {
  std::vector<ConfigGroup> groups;
  std::vector<std::string> ignore;  // module names or "re:<regex>"

  // Format of the Linear module `module` (a weight name without ".weight"):
  // nullopt when ignored or no group targets it.
  std::optional<QuantFormat> format_of(std::string_view module) const;
  // The group that targets `module`, or null (same precedence).
  const ConfigGroup* group_of(std::string_view module) const;
  // Whether compressed-tensors can read it (no NF4 group).
  bool compressed_tensors_compatible() const;

  nlohmann::ordered_json to_json() const;
  // Throws FormatError naming `source` for a malformed config,
  // UnsupportedError for schemes slimlm cannot run (activation
  // quantization, float types, unsupported bits or group sizes).
  static QuantizationConfig from_json(const nlohmann::json& j, std::string_view source);
};

// Reads config.json's "quantization_config"; nullopt when there is none.
std::optional<QuantizationConfig> read_quantization_config(const nlohmann::json& config_json,
                                                           std::string_view source);

// The tensors of module `module` as stored on disk (names as above). The
// result may view q's memory.
io::NamedTensors to_disk(std::string_view module, const QuantizedTensor& q);

// Looks a tensor up by full name; nullopt when absent.
using TensorLookup = std::function<std::optional<Tensor>(const std::string&)>;

// Rebuilds module `module` stored in format f. Codes and scales stay views
// of the lookup's memory where their layout allows. Throws FormatError
// naming `source` and the tensor for missing or inconsistent tensors.
QuantizedTensor from_disk(std::string_view module, QuantFormat f, const TensorLookup& lookup,
                          std::string_view source);

// The suffixes a quantized module's tensors carry ("weight_packed", ...).
bool is_quantized_tensor_name(std::string_view name);

}  // namespace slimlm::quant
