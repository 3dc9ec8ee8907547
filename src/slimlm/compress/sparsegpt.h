#pragma once
// SparseGPT (Frantar & Alistarh, "SparseGPT: Massive Language Models Can Be
// Accurately Pruned in One-Shot", ICML 2023), as IST-DASLab/sparsegpt's
// fasterprune (the copy in locuslab/wanda) computes it, on the Hessian
// machinery GPTQ uses (hessian_inverse.h: U, the upper Cholesky factor of
// the damped (X Xᵀ + λI)⁻¹):
//
//   for each block of `block_size` columns:
//     unstructured: prune the block's lowest w² / U_jj² over all rows
//       (adaptive mask selection: the mask follows the weights as earlier
//       blocks' updates left them);
//     column by column: N:M picks, at the first column of each group of M,
//       the M − N lowest w² / U_jj² of the group in each row (on the
//       updated weights); the column's pruning error e = (w − q) / U_ii is
//       spread over the block's later columns, e · U[i, i:] (the OBS
//       update), and the block's errors over the columns after the block
//       with one product.
//
// Joint quantization (the reference's --wbits): each kept weight is also
// rounded to a quantized format as its column comes up, so the OBS update
// spreads the pruning and the rounding error together (GPTQ with a mask).
// Group scales are fitted on the row's current weights when the group's
// first column comes up (per channel: on the row before any update); a
// pruned weight takes the code of 0, which every format decodes exactly.
//
// The count pruned is exact: the unstructured quota of each block is the
// share of floor(rows · cols · ratio) its columns carry, so the tensor has
// exactly that many zeros (plus any weight the updates leave at zero).
// Rows are independent given U and run on all threads.
#include <cstdint>

#include <optional>

#include "slimlm/compress/hessian_inverse.h"
#include "slimlm/compress/nm_mask.h"
#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::compress {

struct SparseGptResult {
  double loss = 0;         // Σ (w − q)² / U_ii² / 2, the reference's "error"
  int64_t pruned = 0;      // weights the mask zeroed
  int64_t dead_columns = 0;
  // With joint quantization: the pruned and quantized weight (w then holds
  // its dequantized values).
  std::optional<quant::QuantizedTensor> quantized;
};

// Prunes w [rows, cols] (f32, in place) with the factor of its inputs'
// Hessian (prepared without act-order). Throws ConfigError for a pattern
// the shape cannot take or a block size that is not a multiple of M.
SparseGptResult sparsegpt_prune(float* w, int64_t rows, int64_t cols, const HessianInverse& hinv,
                                const SparsityPattern& pattern, int64_t block_size = 128,
                                std::optional<quant::QuantFormat> quantize = std::nullopt);

}  // namespace slimlm::compress
