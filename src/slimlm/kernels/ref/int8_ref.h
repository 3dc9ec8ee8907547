#pragma once
// Scalar reference for W8A8 (cpu/int8_gemm.h): the products in int64 and
// the scales applied in f64.
#include <cstdint>

namespace slimlm::kernels::ref {

// y[m, n] = sx[m] · sw[n] · Σ_k qx[m, k] · qw[n, k]
void int8_gemm(const int8_t* qx, const float* sx, const int8_t* qw, const float* sw, float* y,
               int64_t M, int64_t N, int64_t K);

}  // namespace slimlm::kernels::ref
