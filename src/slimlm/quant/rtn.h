#pragma once
// Round-to-nearest quantization, group by group, with an optional search for
// the clipping range that minimises the group's (optionally importance
// weighted) squared error — AWQ's auto_clip grid over the weights alone, and
// llama.cpp make_qx_quants' least-squares refit of the scale for the chosen
// codes. Without the search the ranges are GPTQ's / compressed-tensors'
// min-max: symmetric scale = max|w| / ((2^bits - 1) / 2) with zero point
// 2^(bits-1); asymmetric scale = (max - min) / (2^bits - 1) over a range
// widened to include 0, zero point round(-min / scale); NF4 absmax.
//
// The group primitives are public so that GPTQ (which re-fits groups on
// updated weights, column by column) quantizes exactly as RTN does.
#include <cstdint>
#include <span>
#include <string_view>

#include "slimlm/core/tensor.h"
#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::quant {

struct ClipSearch {
  bool enabled = false;
  int grid = 20;            // candidate ranges 1, 1 - 1/grid, 1 - 2/grid, ...
  double max_shrink = 0.5;  // ... down to 1 - max_shrink (AWQ's defaults)
  bool refit_scale = true;  // least-squares scale for each candidate's codes
};

struct GroupParams {
  float scale = 0.0f;  // already rounded to the format's scale dtype
  int zero = 0;        // unsigned zero point (the implied one when symmetric)
};

// Scale and zero point for the n weights of one group. `importance` (n
// values or null) weights each weight's squared error in the clip search.
GroupParams fit_group(const FormatTraits& t, const float* w, int64_t n, const ClipSearch& clip,
                      const float* importance = nullptr);

// The code of one weight under p: nearest level, clamped to the code range.
uint8_t encode(const FormatTraits& t, float w, const GroupParams& p);

// Σ importance · (decode(encode(w)) − w)² over a group (importance null: 1).
double group_error(const FormatTraits& t, const float* w, int64_t n, const GroupParams& p,
                   const float* importance = nullptr);

struct RtnOptions {
  ClipSearch clip;
  // Per input feature weights of the squared error ([cols] or empty), e.g.
  // mean squared activations (llama.cpp's imatrix).
  std::span<const float> importance;
};

struct QuantError {
  double sse = 0;     // Σ (dequantized − original)²
  double sum_sq = 0;  // Σ original², for the relative error sse / sum_sq
  double relative() const { return sum_sq > 0 ? sse / sum_sq : 0.0; }
};

// Quantizes a [rows, cols] f32 / f16 / bf16 matrix, rows spread over the
// thread pool. Throws ConfigError naming `name` for a shape the format cannot
// hold, FormatError for a non-finite weight, ConfigError when a scale
// overflows the format's scale dtype.
QuantizedTensor quantize_rtn(const Tensor& weight, QuantFormat format, const RtnOptions& opt = {},
                             std::string_view name = "weight", QuantError* error = nullptr);

}  // namespace slimlm::quant
