#pragma once
// Per-ISA row kernels behind kernels/cpu/matmul.h. Each computes
// y[r] = dot(w[r, :], x) for `rows` consecutive rows; the dispatcher splits
// rows across threads. Compiled with per-file ISA flags and only called when
// core/cpu_features.h says the CPU has the ISA.
#include <cstdint>

namespace slimlm::kernels::cpu {

void gemv_rows_f32_scalar(const float* w, const float* x, float* y, int64_t rows, int64_t K);
void gemv_rows_f32_avx2(const float* w, const float* x, float* y, int64_t rows, int64_t K);
void gemv_rows_f32_avx512(const float* w, const float* x, float* y, int64_t rows, int64_t K);

}  // namespace slimlm::kernels::cpu
