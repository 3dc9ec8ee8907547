#pragma once
// GPTQ (Frantar et al., "GPTQ: Accurate Post-Training Quantization for
// Generative Pre-trained Transformers", ICLR 2023), as IST-DASLab/gptq's
// fasterquant computes it: columns are quantized one at a time in the order
// of the Hessian inverse's Cholesky factor (hessian_inverse.h); each
// column's rounding error, divided by the factor's diagonal, is spread over
// the not-yet-quantized columns of its block of `block_size` (lazy batch
// updates), and the block's errors over the remaining columns with one
// matrix product when the block ends.
//
// Groups: a group's scale and zero point are fitted (quant/rtn.h fit_group,
// the min-max range GPTQ's quantizer uses, or the clip search when asked) on
// the group's weights as they stand when its first column comes up — the
// updated weights. (The reference fits a group that starts inside a block on
// weights that lack the block's earlier in-block updates; the two agree at
// group size = block size.) static_groups fits every group on the original
// weights before any update, so that act-order keeps groups contiguous in
// input order. Per-channel formats fit each row once, up front.
//
// Act-order without static groups stores the weight in processing order
// with the permutation (quant/quantized_tensor.h perm), which the
// compressed-tensors writer turns into weight_g_idx.
//
// Rows are independent given the factor, so they are spread over threads.
#include <cstdint>
#include <span>
#include <string_view>

#include "slimlm/compress/hessian_inverse.h"
#include "slimlm/core/tensor.h"
#include "slimlm/quant/quantized_tensor.h"
#include "slimlm/quant/rtn.h"

namespace slimlm::compress {

struct GptqOptions {
  int64_t block_size = 128;
  double damp = 0.01;
  bool act_order = false;
  bool static_groups = false;
  // Search each group's range (quant/rtn.h), its squared error weighted by
  // the Hessian's diagonal; off in the reference.
  quant::ClipSearch clip;
};

struct GptqResult {
  quant::QuantizedTensor quantized;
  Tensor dequantized;  // f32 [rows, cols] in input order
  double loss = 0;     // Σ (w − q)² / U_ii² / 2: the reference's "error"
};

// Quantizes weight f32 [rows, cols] with the factor prepared from its
// inputs' Hessian. Throws ConfigError naming `name` for a shape the format
// cannot hold, or a scale that overflows the format's scale dtype.
GptqResult gptq_quantize(const Tensor& weight, const HessianInverse& hinv, quant::QuantFormat format,
                         const GptqOptions& opt, std::string_view name,
                         std::span<const double> hessian_diag = {});

}  // namespace slimlm::compress
