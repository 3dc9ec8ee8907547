#pragma once
// Per-layer sensitivity, the cheap measurement the study's proxy is built
// on: for each variant (a quantization format by RTN, an unstructured or N:M
// prune, or "drop" = the layer removed) and each decoder layer l, the KL
// divergence from the original on a few evaluation windows when ONLY layer l
// is compressed that way.
//
// How: the whole model is compressed once per variant (run_pipeline into a
// scratch folder) and loaded; then for each layer its seven Linears are
// swapped into the original model, the windows scored, and swapped back —
// one forward pass per (variant, layer) and one compression per variant, not
// one per cell. "drop" needs no compression: the layer's output projections
// (o_proj, down_proj) are replaced by a Linear that writes zeros, which makes
// the block the identity on the residual stream — exactly what removing it
// does.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/compress/pipeline.h"
#include "slimlm/quant/format.h"
#include "slimlm/registry/records.h"

namespace slimlm::search {

class TrialEvaluator;

struct SensitivityVariant {
  enum class Kind : uint8_t { kQuantize = 0, kPrune = 1, kDrop = 2 };
  std::string name;  // as configured: "int4_g128", "wanda 50%", "sparsegpt 2:4", "drop"
  Kind kind = Kind::kQuantize;
  quant::QuantFormat format = quant::QuantFormat::kInt8;  // kQuantize
  std::string method;                                      // kPrune: magnitude | wanda | sparsegpt
  double sparsity = 0;                                     // kPrune: fraction pruned (N:M: 1 − N/M)
  std::string pattern;                                     // kPrune: "2:4", or "" for unstructured

  // The whole-model pipeline the variant's layers are taken from (empty for drop).
  std::vector<compress::PipelineStep> pipeline() const;
};

// "int4_g128" (a format, quantized by RTN), "<magnitude|wanda|sparsegpt>
// <50% | 0.5 | 2:4>", or "drop". ConfigError naming the text otherwise.
SensitivityVariant parse_sensitivity_variant(std::string_view text);

// values[v][l]: the metric (kld/mean) when only layer l takes variant v.
struct SensitivityTable {
  std::string metric = "kld/mean";
  int64_t layers = 0;
  std::vector<std::string> variants;
  std::vector<std::vector<double>> values;

  // The row of a variant, or nullptr.
  const std::vector<double>* find(std::string_view variant) const;
  std::vector<registry::SensitivityRecord> to_records(int64_t study_id) const;
  // The table for these variants out of stored rows; nullopt when a cell is
  // missing (the measurement was interrupted).
  static std::optional<SensitivityTable> from_records(std::span<const registry::SensitivityRecord> rows,
                                                      std::span<const std::string> variants, int64_t layers,
                                                      std::string_view metric = "kld/mean");
};

struct SensitivityOptions {
  int64_t windows = 4;                 // evaluation windows scored per cell
  std::filesystem::path scratch;       // folder for the compressed variants (removed after)
  compress::PipelineOptions pipeline;  // calibration for wanda / sparsegpt variants
  bool progress = true;                // a progress bar over the cells
};

// Measures every (variant, layer) cell against the evaluator's original
// model, which is restored after each cell (also when a cell throws).
SensitivityTable measure_sensitivity(TrialEvaluator& evaluator, std::span<const SensitivityVariant> variants,
                                     const SensitivityOptions& options);

}  // namespace slimlm::search
