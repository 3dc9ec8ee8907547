#pragma once
// The machine's limits at the current thread count: the sgemm rate the
// prefill path can reach (kernels::matmul_f32, i.e. OpenBLAS sgemm) and the
// memory-copy bandwidth that bounds decode.
#include <cstddef>
#include <cstdint>

#include "slimlm/eval/roofline.h"

namespace slimlm::eval {

struct GemmRate {
  GemmShape shape;
  double gflops = 0.0;          // best repetition
  double seconds_per_call = 0.0;
};

// Repeats y = x · wᵀ on random data for at least min_seconds (after one
// warm-up call) and keeps the best of 3 such rounds.
GemmRate measure_sgemm(const GemmShape& shape, double min_seconds = 0.3);

struct Bandwidth {
  size_t bytes = 0;     // buffer size
  double gbs = 0.0;     // (read + write) bytes per second / 1e9, best round
};

// memcpy of a `bytes` buffer split across the worker threads, repeated for
// at least min_seconds; counts each byte read and written (STREAM "copy").
Bandwidth measure_copy_bandwidth(size_t bytes = size_t{256} << 20, double min_seconds = 0.5);

}  // namespace slimlm::eval
