#pragma once
// `slimlm quantize --method gptq|awq|smoothquant|rtn --calib FILE`: runs a
// pass of the registry (pass_registry.h) through the calibration pipeline
// (calib/pipeline.h) and writes a compressed-tensors checkpoint that every
// slimlm command loads (checkpoint_edits.h). recipe.json records the method,
// its options, the calibration set, and per layer the output error of the
// compressed layer against the original (and per Linear its weight and
// output errors).
//
// Only the decoder layers' Linears are compressed; embeddings, norms (unless
// a scale is folded into them) and lm_head stay as they are, as in the
// reference implementations.
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/calib/calibration_set.h"
#include "slimlm/calib/layer_state.h"
#include "slimlm/compress/pass_config.h"

namespace slimlm::compress {

struct CalibratedOptions {
  std::string method = "gptq";
  PassConfig pass;
  std::filesystem::path calib_file;
  calib::CalibrationOptions calib;
  // Feed each layer the original previous layer's output instead of the
  // compressed one; nullopt: the pass's reference behaviour (llm-awq feeds
  // the original outputs, GPTQ the quantized ones).
  std::optional<bool> propagate_original;
  int64_t chunk_samples = 0;  // sequences per forward chunk, 0 = automatic
  nlohmann::ordered_json recipe_extra = nlohmann::ordered_json::object();
  std::function<void(int64_t layer, int64_t layers)> on_layer_start;
  std::function<void(int64_t layer, const calib::LayerResult&)> on_layer;
};

struct LinearSummary {
  std::string name;
  std::string format;  // "dense" when kept
  double weight_error = calib::kUnknown;
  double output_error = calib::kUnknown;
};

struct LayerSummary {
  int64_t layer = 0;
  double output_mse = 0, output_rel_error = 0, seconds = 0;
  std::vector<LinearSummary> linears;
};

struct CalibratedReport {
  std::string method;
  std::vector<LayerSummary> layers;
  int64_t calib_tokens = 0;
  uint64_t params_total = 0, params_linear = 0, params_quantized = 0;
  uint64_t bytes_before = 0, bytes_after = 0;
  uint64_t linear_bytes_before = 0, linear_bytes_after = 0;  // decoder Linear weights
  double seconds = 0;        // everything
  double calib_seconds = 0;  // tokenizing the calibration text
  double bits_per_weight_linear() const;
  double bits_per_weight_all() const;
};

// Throws ConfigError for a bad output folder, an already quantized input,
// an unknown method, a shape the format cannot hold or a calibration text
// too short — all before any layer is processed; otherwise what loading,
// the pass and writing throw.
CalibratedReport quantize_calibrated(const std::filesystem::path& input,
                                     const std::filesystem::path& output,
                                     const CalibratedOptions& options);

}  // namespace slimlm::compress
