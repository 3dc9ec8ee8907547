#pragma once
// Per-ISA inner kernels behind cpu/int8_gemm.h: rows [n0, n1) of the weight
// for every activation row.
#include <cstdint>

namespace slimlm::kernels::cpu {

struct Int8Gemm {
  const int8_t* qx;
  const float* sx;
  const int8_t* qw;
  const float* sw;
  const int32_t* wsum;
  float* y;
  int64_t M, N, K;
};

void int8_gemm_rows_scalar(const Int8Gemm& g, int64_t n0, int64_t n1);
void int8_gemm_rows_avx2(const Int8Gemm& g, int64_t n0, int64_t n1);
void int8_gemm_rows_vnni(const Int8Gemm& g, int64_t n0, int64_t n1);

}  // namespace slimlm::kernels::cpu
