#pragma once
// The calibrated pruning methods (Wanda, SparseGPT) run through the
// layer-by-layer calibration pipeline: the calibration windows are drawn
// from a text file with the model's own tokenizer (calib/calibration_set.h),
// and each layer's pruned weights are handed to `sink` as the pipeline
// finishes the layer.
#include <functional>

#include <nlohmann/json.hpp>

#include "slimlm/compress/prune_model.h"
#include "slimlm/compress/pruned_checkpoint.h"

namespace slimlm::compress {

struct CalibratedPruning {
  const PruneInput& in;
  const PruneOptions& opt;
  const std::vector<LinearWeight>& linears;
};

// (the weight, its original f32 values, its pruned f32 values, the pattern
// it was pruned to: per layer under OWL, and with joint quantization its
// quantized form, else null)
using PrunedSink = std::function<void(const LinearWeight&, const Tensor&, const Tensor&, const SparsityPattern&,
                                      const quant::QuantizedTensor*)>;

// Runs opt.method over every layer (after a pass measuring each layer's
// outliers when opt.owl). Returns the recipe's "calibration" entry (file,
// windows, seed, tokens, per-layer output errors and OWL sparsities);
// *calibration_seconds receives the time spent tokenizing and sampling.
// Throws ConfigError for a calibration text too short for the windows,
// IoError when it or the tokenizer cannot be read.
nlohmann::ordered_json run_calibrated_pruning(const CalibratedPruning& job, const PrunedSink& sink,
                                              double* calibration_seconds);

}  // namespace slimlm::compress
