#pragma once
// Products with quantized weights (quant/quantized_tensor.h), f32 activations
// and f32 accumulation, dispatched at run time to AVX-512, AVX2 or portable
// kernels (core/cpu_features.h).
//
// Three strategies:
//  - fused (decode, small M): codes are decoded in registers and multiplied
//    straight away; the weight bytes are read once for all M rows, so the
//    product runs at the speed the packed bytes stream in;
//  - dequantize + sgemm (prefill, larger M): tiles of weight rows are
//    dequantized into a per-thread f32 buffer that stays in cache and fed to
//    OpenBLAS sgemm, whose blocking beats any hand-written f32 micro-kernel
//    once the dequantization cost is spread over M rows;
//  - int8 dot (AVX-512 VNNI, 8/4/2-bit and NF4): activations quantized to
//    int8 per 32 columns, vpdpbusd on the codes (cpu/quant_vnni.h); several
//    times the f32 kernels' speed, at the cost of llama.cpp's activation
//    rounding. Picked by kAuto whenever the CPU and the format allow it,
//    unless env SLIMLM_QUANT_ACTIVATIONS=f32 asks for f32 activations
//    (exact evaluation of the weights, at the f32 kernels' speed).
// bench/bench_quant_kernels.cpp measures them against each other.
#include <cstdint>
#include <optional>

#include "slimlm/core/cpu_features.h"
#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::kernels {

enum class QuantPath : uint8_t { kAuto, kFused, kDequantGemm, kInt8Dot };

// Fused up to this many activation rows, dequantize + sgemm above.
inline constexpr int64_t kFusedMaxRows = 4;

// y[M, w.rows] = x[M, w.cols] · dequantize(w)ᵀ on all threads (x, y
// row-major, not overlapping).
void quant_matmul(const quant::QuantizedTensor& w, const float* x, float* y, int64_t M);
// kInt8Dot needs isa kAvx512 on a CPU with VNNI and a format it covers
// (quant_int8_dot_available); otherwise it throws DeviceError.
void quant_matmul(const quant::QuantizedTensor& w, const float* x, float* y, int64_t M, Isa isa,
                  QuantPath path = QuantPath::kAuto);

bool quant_int8_dot_available(const quant::QuantizedTensor& w, Isa isa);

// Whether kAuto may round activations to int8 (the int8-dot kernels).
// Default: env SLIMLM_QUANT_ACTIVATIONS=f32|int8, else int8. The override
// (tests, `eval` of weights alone) replaces it; nullopt restores the default.
enum class QuantActivations : uint8_t { kF32, kInt8 };
void set_quant_activations(std::optional<QuantActivations> mode);
QuantActivations quant_activations();

}  // namespace slimlm::kernels
