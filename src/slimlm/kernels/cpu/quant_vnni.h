#pragma once
// Integer-dot kernels for AVX-512 VNNI, the way llama.cpp runs its quantized
// types on the CPU: activations are quantized to int8 per block of 32 (scale
// max|x| / 127, llama.cpp's Q8_0) once per call, and vpdpbusd multiplies four
// unsigned weight codes with four int8 activations per lane and instruction.
// Per block the int32 sums are scaled back to f32 by the activation scale,
// per group by the weight scale; the zero point is paid once per group with
// Σ_block scale · Σ q, computed in the preparation step.
//
// Formats: 8-bit, 4-bit and NF4, 2-bit (3-bit's ten-to-a-word packing stays
// on the f32 kernels). NF4 codes go through an int8 table, round(127 · level)
// — bitsandbytes dequantizes through bf16, which rounds about as much.
//
// The activation error (at most half an int8 step of its block) makes these
// kernels differ from the f32 reference by more than rounding; the tests
// compare them with the reference evaluated on the int8-rounded activations.
#include <cstdint>
#include <vector>

#include "slimlm/kernels/cpu/quant_kernels.h"

namespace slimlm::kernels::cpu {

// Whether the VNNI kernels handle this matrix.
bool vnni_supported(const QuantView& w);

// Quantized activations in the layout the kernels for w's format read.
struct VnniActivations {
  int64_t M = 0, K = 0;
  int64_t chunk = 0;        // weights per step: 64 (8-bit), 128 (4-bit), 256 (2-bit)
  int64_t chunks = 0;       // per row, the last one possibly partial
  int64_t row_stride = 0;   // bytes of q per activation row (chunks · chunk)
  std::vector<int8_t> q;    // [M, row_stride], zero-padded
  std::vector<float> scale; // [M, chunks, 16]: activation scale of each lane's block
  std::vector<float> zsum;  // [M, groups]: Σ_block scale · Σ q, for zero points
};

// x: [M, K] f32 in input order (after any column permutation).
void vnni_prepare(const QuantView& w, const float* x, int64_t M, VnniActivations& a);

// y[m * ldy + r] for weight rows [r0, r1).
void vnni_rows(const QuantView& w, const VnniActivations& a, float* y, int64_t ldy, int64_t r0,
               int64_t r1);

}  // namespace slimlm::kernels::cpu
