#pragma once
// ShortGPT's Block Influence (Men et al., "ShortGPT: Layers in Large
// Language Models are More Redundant Than You Expect", 2024): for layer l,
//   BI_l = 1 − E_t[ cos(x_t^(l), x_t^(l+1)) ]
// over the calibration tokens t, where x^(l) is the hidden state entering
// layer l and x^(l+1) the one leaving it. A layer that barely turns the
// residual stream has a low BI and is the first to drop.
//
// Runs the calibration windows through the layers one at a time
// (model/layer_runner.h), reading each layer's weights from the checkpoint
// as it goes: the whole model is never converted to f32.
#include <cstdint>
#include <functional>
#include <vector>

#include "slimlm/calib/calibration_set.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/io/model_config.h"

namespace slimlm::compress {

// BI of every layer [L]. on_layer(l, L) before each layer (progress).
std::vector<double> block_influence(const io::Checkpoint& ck, const io::ModelConfig& c,
                                    const calib::CalibrationSet& set,
                                    const std::function<void(int64_t, int64_t)>& on_layer = {});

// The `count` layers of lowest BI, ascending (ties: the later layer goes,
// as later layers are the redundant ones in ShortGPT's measurements).
std::vector<int64_t> lowest_influence(const std::vector<double>& bi, int64_t count);

}  // namespace slimlm::compress
