#pragma once
// A decoder layer while a compression pass works on it (calib/pipeline.h):
// its f32 tensors, which the pass rewrites in place (a quantized weight is
// written back dequantized, so that the layer's forward pass computes what
// the compressed model will), Linears that replace a tensor's dense product
// at run time (W8A8's int8 activations), and what the output checkpoint
// stores for each Linear.
#include <array>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>

#include <nlohmann/json.hpp>

#include "slimlm/model/layer_tensors.h"
#include "slimlm/model/linear.h"
#include "slimlm/model/weights.h"
#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::calib {

inline constexpr double kUnknown = std::numeric_limits<double>::quiet_NaN();

// How a Linear leaves the pass.
struct ProjResult {
  // Stored packed (quant/compressed_tensors.h); empty: stored dense from the
  // layer's (possibly rescaled or pruned) f32 tensor.
  std::optional<quant::QuantizedTensor> quantized;
  // W8A8: `quantized` is int8 per output channel and the activations are
  // quantized to int8 per token at run time.
  bool int8_activations = false;
  // Σ(w' − w)² / Σw² against the weight the pass started from.
  double weight_error = kUnknown;
  // Σ‖x(w' − w)ᵀ‖² / Σ‖xwᵀ‖² over the calibration inputs (tr(ΔW H ΔWᵀ) /
  // tr(W H Wᵀ) with the Hessian of the inputs the pass saw).
  double output_error = kUnknown;
  nlohmann::ordered_json info = nlohmann::ordered_json::object();  // pass-specific
};

struct LayerResult {
  std::array<ProjResult, model::kNumProjs> projs;
  // The layer's output on the calibration inputs against the uncompressed
  // layer's output on the same inputs: mean squared error, and the error
  // relative to what the layer adds to the residual stream,
  // Σ(y' − y)² / Σ(y − x)².
  double output_mse = kUnknown;
  double output_rel_error = kUnknown;
  double seconds = 0;
  nlohmann::ordered_json info = nlohmann::ordered_json::object();  // pass-specific

  ProjResult& proj(model::Proj p) { return projs[model::index_of(p)]; }
  const ProjResult& proj(model::Proj p) const { return projs[model::index_of(p)]; }
};

struct LayerState {
  model::LayerTensors tensors;  // current weights, f32, writable
  // When set, used in the forward pass instead of a dense product of the
  // tensor (e.g. a W8A8 Linear).
  std::array<std::unique_ptr<model::Linear>, model::kNumProjs> runtime;
  LayerResult result;

  // Linears for model::LayerRunner: the runtime Linear where set, else a
  // DenseLinear viewing the tensor. Valid while this state lives and its
  // tensors are not replaced.
  model::LayerWeights view() const;
  // Whether a norm or a dense weight differs from the checkpoint's, so
  // that the output must store it (AWQ and SmoothQuant fold scales into
  // norms; pruning zeroes weights).
  bool attn_norm_changed = false, mlp_norm_changed = false;
  std::array<bool, model::kNumProjs> weight_changed{};
  std::array<bool, model::kNumProjs> bias_changed{};
};

}  // namespace slimlm::calib
