#pragma once
// Quantizes the Linear weights of a checkpoint folder and writes a
// compressed-tensors checkpoint (quant/compressed_tensors.h) that every
// slimlm command loads: config.json with a quantization_config, the packed
// weights, every other tensor as it was, the tokenizer files, and
// recipe.json saying how it was made. The output folder appears atomically
// (io/atomic_dir.h); the input is never written.
//
// Which tensors: the q/k/v/o and gate/up/down projections of every layer
// and an untied lm_head, as the architecture's weight table names them;
// embeddings and norms stay as they are. Per tensor the format is the first
// matching `overrides` pattern (std::regex_search on the tensor name, like
// llama-quantize's --tensor-type), else the default; `skip` patterns (and an
// override to "dense") keep a tensor unquantized.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/quant/rtn.h"

namespace slimlm::model {

struct TensorTypeOverride {
  std::string pattern;                      // regex searched in the tensor name
  std::optional<quant::QuantFormat> format;  // nullopt: keep dense
};

struct QuantizeOptions {
  quant::QuantFormat format = quant::QuantFormat::kInt4G128;
  std::vector<TensorTypeOverride> overrides;
  std::vector<std::string> skip;  // regexes searched in the tensor name
  std::string method = "rtn";     // only RTN here; GPTQ/AWQ come with calibration (#7)
  quant::RtnOptions rtn;
  nlohmann::ordered_json recipe_extra = nlohmann::ordered_json::object();  // e.g. the command line
  // Called after each quantized tensor with (tensors done, total).
  std::function<void(int64_t, int64_t)> progress;
};

struct TensorReport {
  std::string name;
  std::string format;  // "dense" when kept
  int64_t rows = 0, cols = 0;
  uint64_t bytes_before = 0, bytes_after = 0;
  double relative_error = 0;  // Σ(w' − w)² / Σ w²
};

struct QuantizeReport {
  std::vector<TensorReport> linears;
  uint64_t params_total = 0, params_linear = 0, params_quantized = 0;
  uint64_t bytes_before = 0, bytes_after = 0;                // all tensors
  uint64_t linear_bytes_before = 0, linear_bytes_after = 0;  // Linear weights only
  double seconds = 0;
  double bits_per_weight_linear() const;  // over all Linear weights
  double bits_per_weight_all() const;     // over every parameter
};

// Throws ConfigError for a bad output folder (io::check_output_folder), a
// pattern that is not a valid regex, a checkpoint that is already quantized,
// or a tensor the chosen format cannot hold (naming the tensor and format) —
// all before any work. Other errors as Model::load and io::write_safetensors.
QuantizeReport quantize_model(const std::filesystem::path& input, const std::filesystem::path& output,
                              const QuantizeOptions& options);

}  // namespace slimlm::model
