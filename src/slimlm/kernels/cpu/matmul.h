#pragma once
// Dense f32 matrix products for Linear layers (weights stored out × in):
// one activation row goes through the multithreaded GEMV (decode), several
// rows through OpenBLAS sgemm (prefill).
//
// OpenBLAS is only ever run single-threaded; parallelism comes from the
// slimlm pool (core/threads.h), which splits a product into per-thread
// sgemm calls. Two pools would fight over the cores (OpenBLAS workers spin
// after each call), and attention calls sgemm from inside parallel_for.
#include <cstdint>

#include "slimlm/core/cpu_features.h"

namespace slimlm::kernels {

// y[N] = w[N,K] · x[K], split across threads by rows, using `isa` (default:
// the best the CPU has, see core/cpu_features.h).
void gemv_f32(const float* w, const float* x, float* y, int64_t N, int64_t K);
void gemv_f32(const float* w, const float* x, float* y, int64_t N, int64_t K, Isa isa);

// y[M,N] = x[M,K] · w[N,K]^T, on all threads.
void matmul_f32(const float* x, const float* w, float* y, int64_t M, int64_t N, int64_t K);

// Row-major C[M,N] = alpha · op(A) · op(B) + beta · C on the calling thread
// only (safe inside parallel_for). op(A) is M×K: A is stored K×M when
// trans_a; op(B) is K×N: B is stored N×K when trans_b. Leading dimensions are
// in elements.
void sgemm_serial(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
                  const float* a, int64_t lda, const float* b, int64_t ldb, float beta, float* c,
                  int64_t ldc);

}  // namespace slimlm::kernels
