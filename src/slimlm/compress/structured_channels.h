#pragma once
// Removing MLP channels: channel i of the intermediate layer is gate_proj
// and up_proj row i and down_proj column i (and their biases); removing it
// leaves a smaller dense MLP. config.json gets the new intermediate_size,
// the same in every layer, as transformers requires.
//
// Importance of channel i:
//   magnitude   Σ w² over gate row i, up row i and down column i (no data);
//   activation  ‖X_i‖² · ‖W_down[:, i]‖², X_i = silu(gate)·up on the
//               calibration tokens: the energy the channel writes into the
//               residual stream (the structured form of Wanda's score).
#include <cstdint>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/core/tensor.h"
#include "slimlm/io/model_config.h"
#include "slimlm/io/safetensors_writer.h"

namespace slimlm::compress {

// f32 gate, up [F, C] and down [C, F].
std::vector<double> channel_magnitude(const Tensor& gate, const Tensor& up, const Tensor& down);
// down f32 [C, F]; down_input_sq_sum [F] = Σ_t x_ti² of down_proj's inputs.
std::vector<double> channel_activation(const Tensor& down, std::span<const double> down_input_sq_sum);

// Channels each layer keeps when a fraction `ratio` goes: F − round(ratio·F),
// at least 1. Throws ConfigError naming --ratio when nothing would go.
int64_t channels_kept(const io::ModelConfig& c, double ratio);

// Cuts layer `layer`'s gate/up rows and down columns in `tensors` to `keep`
// (ascending).
void remove_channels(io::NamedTensors& tensors, const io::ModelConfig& c, int64_t layer,
                     std::span<const int64_t> keep);

void patch_config_channels(nlohmann::ordered_json& config, int64_t kept);

}  // namespace slimlm::compress
