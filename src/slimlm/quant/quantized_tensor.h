#pragma once
// A quantized [rows, cols] weight matrix (a Linear's weight: rows = output
// features) in one of the formats of format.h, as the kernels read it.
//
//   codes   i32 [rows, words_per_row]  packed codes (format.h), rows padded
//   scales  f16|f32 [rows, groups]     the format's scale dtype, or f32 for
//                                      any format (exact for checkpoints that
//                                      store bf16 scales)
//   zeros   u8 [rows, groups]          unsigned zero points; asymmetric only
//   perm    i32 [cols] or empty        storage order of the columns: stored
//                                      column i holds input feature perm[i]
//                                      (GPTQ act-order, so that groups stay
//                                      contiguous; kernels gather x by it)
//
// Any member may view memory owned elsewhere (a mapped checkpoint).
#include <cstdint>
#include <string>

#include "slimlm/core/tensor.h"
#include "slimlm/quant/format.h"

namespace slimlm::quant {

struct QuantizedTensor {
  QuantFormat format = QuantFormat::kInt8;
  int64_t rows = 0;
  int64_t cols = 0;
  Tensor codes;
  Tensor scales;
  Tensor zeros;
  Tensor perm;

  const FormatTraits& traits() const { return format_traits(format); }
  int64_t group_length() const { return traits().group_length(cols); }
  int64_t groups_per_row() const { return traits().groups_per_row(cols); }
  int64_t words_per_row() const { return traits().words_per_row(cols); }
  bool has_zeros() const { return !traits().symmetric; }
  bool has_perm() const { return perm.numel() > 0; }

  const uint32_t* row_words(int64_t r) const {
    return static_cast<const uint32_t*>(codes.raw_data()) + r * words_per_row();
  }

  // Bytes held in memory (codes, scales, zero points, permutation).
  uint64_t nbytes() const;
  // Bits a weight in memory, everything counted.
  double bits_per_weight() const;

  // Checks dtypes and shapes of every member against the format and the
  // permutation for being one; throws FormatError naming `what`.
  void validate(std::string_view what) const;
};

}  // namespace slimlm::quant
