#pragma once
// SmoothQuant W8A8 (Xiao et al., "SmoothQuant: Accurate and Efficient
// Post-Training Quantization for Large Language Models", ICML 2023), as
// mit-han-lab/smoothquant's smooth.py and fake_quant.py compute it; the pass
// is smoothquant_pass.cpp.
//
// For q/k/v (after input_layernorm) and gate/up (after
// post_attention_layernorm): s_j = max|X_j|^α / max_i|W_ij|^(1−α) (the
// weight maximum over the group's Linears; both clamped at 1e-5), folded
// into the norm (weight / s) and the Linears' columns (· s). Then every
// Linear of the layer gets int8 weights per output channel (scale
// max|w| / 127) and, at run time, int8 activations per token (scale
// max|x| / 127): y = s_x s_w Σ q_x q_w (model/w8a8_linear.h).
//
// α: a fixed value (the reference's --alpha, 0.5 by default; 0.8–0.85 for
// Llama-2 in its examples) or, with no value, a search per layer and group
// over 0, 0.05, ..., 1 for the least output error of the quantized group on
// the calibration inputs (as Intel Neural Compressor's auto-alpha does).
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace slimlm::compress {

struct SmoothQuantOptions {
  std::optional<double> alpha = 0.5;  // nullopt: search
  // Calibration sequences the α search scores on.
  int64_t search_samples = 8;
};

// s_j for one group: act_max [cols], the group's weights w_k f32 [rows_k, cols].
std::vector<float> smoothquant_scales(std::span<const float> act_max,
                                      std::span<const float* const> weights,
                                      std::span<const int64_t> rows, int64_t cols, double alpha);

}  // namespace slimlm::compress
