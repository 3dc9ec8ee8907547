#pragma once
// Products with quantized weights (quant/quantized_tensor.h), f32 activations
// and f32 accumulation, dispatched at run time to AVX-512, AVX2 or portable
// kernels (core/cpu_features.h).
//
// Two strategies, picked by the number of activation rows M:
//  - fused (decode, small M): codes are decoded in registers and multiplied
//    straight away; the weight bytes are read once for all M rows, so the
//    product runs at the speed the packed bytes stream in;
//  - dequantize + sgemm (prefill, larger M): tiles of weight rows are
//    dequantized into a per-thread f32 buffer that stays in cache and fed to
//    OpenBLAS sgemm, whose blocking beats any hand-written f32 micro-kernel
//    once the dequantization cost is spread over M rows.
// bench/bench_quant_kernels.cpp measures the crossover kFusedMaxRows.
#include <cstdint>

#include "slimlm/core/cpu_features.h"
#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::kernels {

enum class QuantPath : uint8_t { kAuto, kFused, kDequantGemm };

// Fused up to this many activation rows, dequantize + sgemm above.
inline constexpr int64_t kFusedMaxRows = 4;

// y[M, w.rows] = x[M, w.cols] · dequantize(w)ᵀ on all threads (x, y
// row-major, not overlapping).
void quant_matmul(const quant::QuantizedTensor& w, const float* x, float* y, int64_t M);
void quant_matmul(const quant::QuantizedTensor& w, const float* x, float* y, int64_t M, Isa isa,
                  QuantPath path = QuantPath::kAuto);

}  // namespace slimlm::kernels
