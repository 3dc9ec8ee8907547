#pragma once
// Per-ISA kernels behind cpu/quant_matmul.h. Each ISA file is compiled with
// its own flags (slimlm_isa_sources) and only called when
// core/cpu_features.h says the CPU has the ISA.
//
// All of them share one trick: for integer formats a group's contribution is
//   scale · (Σ code·x − zero · Σ x),
// so the inner loop multiplies raw codes (converted to f32) with x, and the
// zero point is paid once per group with Σ x, which the dispatcher computes
// once per call for all weight rows. NF4 codes go through a 16-entry table.
#include <cstdint>

namespace slimlm::kernels::cpu {

// A quantized matrix as the kernels read it (see quant/quantized_tensor.h).
struct QuantView {
  const uint32_t* codes = nullptr;  // [rows, words_per_row]
  int64_t words_per_row = 0;
  const void* scales = nullptr;  // [rows, groups], f16 or f32
  bool scales_f16 = true;
  const uint8_t* zeros = nullptr;  // [rows, groups], null: implied_zero
  int64_t rows = 0, cols = 0;
  int64_t group = 0;  // weights per scale
  int64_t groups = 0;
  int bits = 0;
  bool nf4 = false;
  int implied_zero = 0;  // 2^(bits-1) for symmetric integer formats
};

// The column order x must be in for an ISA's kernels (the dispatcher
// rearranges x once per call, so the kernels never shuffle codes):
//   kNatural    as given;
//   kEvenOdd32  in each run of 32 columns the 16 even ones, then the 16 odd
//               ones: the low and high nibbles of 16 bytes of 4-bit codes.
enum class XOrder : uint8_t { kNatural, kEvenOdd32 };

// Arguments of one call on a range of weight rows.
struct QuantRowsArgs {
  const QuantView* w;
  const float* x;     // [M, cols] in the ISA's XOrder
  const float* xsum;  // [M, groups]: Σ x per group (integer formats)
  int64_t M;
  float* y;  // y[m * ldy + r]
  int64_t ldy;
};

using QuantOrderFn = XOrder (*)(const QuantView&);
// y rows [r0, r1) for all M activation rows.
using QuantRowsFn = void (*)(const QuantRowsArgs&, int64_t r0, int64_t r1);
// Weight rows [r0, r1) dequantized to out[(r - r0) * cols + c], columns in
// the ISA's XOrder (what sgemm then multiplies with the rearranged x).
using QuantDequantFn = void (*)(const QuantView&, int64_t r0, int64_t r1, float* out);

struct QuantKernels {
  QuantOrderFn order;
  QuantRowsFn rows;
  QuantDequantFn dequant;
};

const QuantKernels& quant_kernels_scalar();
const QuantKernels& quant_kernels_avx2();
const QuantKernels& quant_kernels_avx512();

}  // namespace slimlm::kernels::cpu
