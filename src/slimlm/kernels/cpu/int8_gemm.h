#pragma once
// W8A8 products (SmoothQuant, model/w8a8_linear.h): int8 activations
// quantized per token at run time times int8 weights per output channel,
// summed in int32:
//   y[m, n] = sx[m] · sw[n] · Σ_k qx[m, k] · qw[n, k]
// Codes stay in [-127, 127] on both sides (symmetric absmax / 127 scales),
// which the AVX2 kernel relies on.
//
// Dispatched at run time (core/cpu_features.h): AVX-512 VNNI (vpdpbusd
// multiplies unsigned bytes by signed bytes, so the activations go in offset
// by 128 and 128 · Σ_k qw[n, k] is taken back out), AVX2 (vpmaddubsw on
// |qx| and sign(qx)·qw, whose pairwise sums cannot saturate at ±127), and a
// scalar path; kernels/ref/int8_ref.h is the truth they are tested against.
#include <cstdint>

#include "slimlm/core/cpu_features.h"

namespace slimlm::kernels {

// Per row: scale = max(max|x|, 1e-5) / 127 and q = round(x / scale),
// half to even (SmoothQuant's quantize_activation_per_token_absmax).
void quantize_rows_int8(const float* x, int64_t M, int64_t K, int8_t* q, float* scale);

// Σ_k qw[n, k] per weight row, for the VNNI offset.
void int8_row_sums(const int8_t* qw, int64_t N, int64_t K, int32_t* sums);

// y[M, N] (row-major, ldy = N) as above, on all threads. wsum from
// int8_row_sums. Throws DeviceError when `isa` asks for more than the CPU has.
void int8_gemm(const int8_t* qx, const float* sx, const int8_t* qw, const float* sw,
               const int32_t* wsum, float* y, int64_t M, int64_t N, int64_t K);
void int8_gemm(const int8_t* qx, const float* sx, const int8_t* qw, const float* sw,
               const int32_t* wsum, float* y, int64_t M, int64_t N, int64_t K, Isa isa);

// Whether the AVX-512 path has VNNI here (otherwise kAvx512 runs AVX2's).
bool int8_vnni_available();

}  // namespace slimlm::kernels
