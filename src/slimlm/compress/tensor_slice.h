#pragma once
// Row and column selection on 2-d tensors of any plain dtype, by raw
// element copies (a bf16 weight stays bit for bit the same): what the
// structured passes use to cut heads, channels and layers out of a
// checkpoint without converting it.
#include <cstdint>
#include <span>
#include <vector>

#include "slimlm/core/tensor.h"

namespace slimlm::compress {

// t[rows[i], :] for each i, in that order; a 1-d tensor selects elements.
// Throws Error for an index outside the tensor.
Tensor select_rows(const Tensor& t, std::span<const int64_t> rows);
// t[:, cols[j]] for each j (2-d only).
Tensor select_cols(const Tensor& t, std::span<const int64_t> cols);

// The indices [b · width, (b + 1) · width) of every block b in `blocks`,
// in order: heads of head_dim rows, GQA groups of heads.
std::vector<int64_t> expand_blocks(std::span<const int64_t> blocks, int64_t width);

}  // namespace slimlm::compress
