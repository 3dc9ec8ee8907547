#pragma once
// Per-ISA kernels behind cpu/sparse24.h, each file compiled with its own
// flags (slimlm_isa_sources) and only called when core/cpu_features.h says
// the CPU has the ISA.
#include <cstdint>

#include "slimlm/kernels/cpu/sparse24.h"

namespace slimlm::kernels::cpu {

// y[m * ldy + r] for weight rows [r0, r1) and all M activation rows
// (M <= kSparse24RowsMaxM), x [M, cols] row-major.
using Sparse24RowsFn = void (*)(const Sparse24View& w, const float* x, int64_t M, float* y,
                                int64_t ldy, int64_t r0, int64_t r1);

// One tile of the sparse gemm: xt [cols, tile] holds `tile` activation rows
// transposed (tile = the ISA's tile width, zero-padded), yt [r1 - r0, tile]
// receives y transposed for weight rows [r0, r1).
using Sparse24TileFn = void (*)(const Sparse24View& w, const float* xt, float* yt, int64_t r0,
                                int64_t r1);

struct Sparse24Kernels {
  Sparse24RowsFn rows;
  Sparse24TileFn tile;
  int64_t tile_width;  // activation rows per gemm tile
};

const Sparse24Kernels& sparse24_kernels_scalar();
const Sparse24Kernels& sparse24_kernels_avx2();
const Sparse24Kernels& sparse24_kernels_avx512();

// Columns of x kept in L1 per pass of the gemm tile kernels: 128 columns of
// a 64-wide tile are 32 KiB.
inline constexpr int64_t kSparse24ColumnBlock = 128;

}  // namespace slimlm::kernels::cpu
