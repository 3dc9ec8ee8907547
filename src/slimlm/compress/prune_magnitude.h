#pragma once
// Magnitude pruning: the weights of smallest |w| go. The baseline every
// pruning paper reports; needs no calibration data. Scope as the Wanda
// repository's magnitude baseline: one threshold over the whole tensor
// (kPerTensor, its default) or the same count in every output row.
#include <cstdint>

#include "slimlm/compress/nm_mask.h"

namespace slimlm::compress {

// Zeros the pattern's share of w [rows, cols] (f32, in place); returns how
// many weights were pruned (zeroed, including ones that already were 0).
int64_t prune_magnitude(float* w, int64_t rows, int64_t cols, const SparsityPattern& pattern,
                        MaskScope scope = MaskScope::kPerTensor);

}  // namespace slimlm::compress
