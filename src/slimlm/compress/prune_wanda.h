#pragma once
// Wanda (Sun et al., "A Simple and Effective Pruning Approach for Large
// Language Models", ICLR 2024): a weight's importance is |W_ij| · ‖X_j‖₂,
// its magnitude times the L2 norm of its input feature over the
// calibration tokens, and weights are compared within each output row
// (locuslab/wanda prune_wanda: sort along dim -1, prune the lowest
// int(cols · ratio) of every row; N:M: the lowest M − N of every M).
// No weight update: the mask alone.
#include <cstdint>
#include <span>

#include "slimlm/compress/nm_mask.h"

namespace slimlm::compress {

// Prunes w [rows, cols] (f32, in place) with sq_sum[cols] = Σ_t x_tj² of
// its inputs; returns how many weights were zeroed by the mask.
int64_t prune_wanda(float* w, int64_t rows, int64_t cols, std::span<const double> sq_sum,
                    const SparsityPattern& pattern);

}  // namespace slimlm::compress
