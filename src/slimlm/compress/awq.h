#pragma once
// AWQ (Lin et al., "AWQ: Activation-aware Weight Quantization for LLM
// Compression and Acceleration", MLSys 2024), as mit-han-lab/llm-awq's
// auto_scale.py and auto_clip.py compute it; the pass is awq_pass.cpp.
//
// Scales. For each group of Linears that read one input (q/k/v after
// input_layernorm, gate/up after post_attention_layernorm, down after up,
// o after v when their shapes match), with x̄_j = mean|x_j| over the
// calibration tokens: for ratio α in 0, 1/grid, ..., (grid−1)/grid,
//   s = max(x̄^α, 1e-4), s /= sqrt(max s · min s),
//   W' = Q(W · diag(s)) · diag(s)⁻¹ for each Linear of the group,
// and keep the s whose block output is closest (mean squared error) to the
// original block's: the attention block (through o_proj) for q/k/v, the MLP
// (through down_proj) for gate/up, the Linear itself for o and down. s is
// then folded into the preceding RMSNorm (weight / s) or Linear (rows / s,
// bias / s) and into the group's columns (· s), which leaves the model's
// function unchanged before quantization.
//
// Clipping. For every Linear but q and k, per output row and group, the
// weights are clamped to ±m with m = max|w| · (1 − i/clip_grid), i <
// clip_max_shrink · clip_grid, picking the m whose quantized group output
// Σ_j x_j (q_j − w_j) has the least mean square over the tokens.
//
// Where the reference keeps 512 tokens for the clip search and pays for its
// o/down losses with matrix products over every token, these use the exact
// Hessian Σ x xᵀ of all calibration tokens (the squared output error of a
// weight change d over the tokens is dᵀ H d).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "slimlm/quant/format.h"
#include "slimlm/quant/rtn.h"

namespace slimlm::compress {

struct AwqOptions {
  int grid = 20;
  bool clip = true;
  int clip_grid = 20;
  double clip_max_shrink = 0.5;
  // Calibration sequences the attention / MLP block searches run on; 0 =
  // all of them (the reference's behaviour). Each of the grid's candidates
  // costs a pass of the block over them, so on a CPU the default scores on
  // 16 windows (8192 tokens of 512) while the activation means, the
  // Hessians and the clip search use every calibration token.
  int64_t search_samples = 16;
  // What quantizes the scaled, clipped weights: "rtn" (the reference) or
  // "gptq".
  std::string quantizer = "rtn";
  // false: search and fold the scales only (no clipping, no quantization):
  // an equivalent dense model, for tests and for composing with another
  // quantizer.
  bool quantize = true;
};

// The candidate scales for ratio α from the mean absolute activations.
std::vector<float> awq_scales(std::span<const float> x_abs_mean, double alpha);

// W' = Q(W · diag(s)) · diag(s)⁻¹ with RTN (min-max) in format f: w f32
// [rows, cols] in place.
void awq_fake_quantize(float* w, int64_t rows, int64_t cols, std::span<const float> s,
                       quant::QuantFormat f);

// The clip search on w f32 [rows, cols] (weights already scaled) with the
// Hessian h [cols, cols] of the (scaled) inputs: clamps w in place; returns
// the chosen max per (row, group).
std::vector<float> awq_clip(float* w, int64_t rows, int64_t cols, std::span<const double> h,
                            quant::QuantFormat f, int grid, double max_shrink);

}  // namespace slimlm::compress
