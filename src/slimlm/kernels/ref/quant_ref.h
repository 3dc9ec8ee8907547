#pragma once
// Scalar reference for quantized matrix products: each weight row is
// dequantized by quant/pack.h (the format's definition) and multiplied in f64.
// The fast kernels (cpu/quant_matmul.h) are tested against it.
#include <cstdint>

#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::kernels::ref {

// y[M, w.rows] = x[M, w.cols] · dequantize(w)ᵀ
void quant_matmul(const quant::QuantizedTensor& w, const float* x, float* y, int64_t M);

}  // namespace slimlm::kernels::ref
