#pragma once
// 2:4 semi-structured sparse weights: in every group of 4 consecutive
// columns of a row at most 2 weights are non-zero (NVIDIA's sparse tensor
// core pattern, what Wanda / SparseGPT produce with --pattern 2:4). Stored
// as the kept values plus a 2-bit position for each:
//
//   values   f32 [rows, cols/2]            two per group, in column order
//   indices  u8  [rows, ceil(cols/8)]      one nibble per group: bits 0-1 the
//                                          position (0..3) of the first kept
//                                          value, bits 2-3 of the second;
//                                          group g in byte g/2, low nibble
//                                          for even g
//
// so value j of a row sits at column 4·(j/2) + index_j, and the 32-bit word
// at indices + 4·i holds the positions of values 16·i .. 16·i+15, two bits
// each, in order (what the AVX-512 kernel expands with one variable shift).
// A group with fewer than 2 non-zeros keeps a zero. 16 + 2 = 18 bits per
// kept weight in f32, i.e. 56 % of the dense f32 bytes.
//
// Products y = x · Wᵀ come in three strategies (Sparse24Path), measured
// against dense f32 by bench/bench_sparse24.cpp:
//  - rows (decode, M <= kSparse24RowsMaxM): per row and 32 columns, the 16
//    positions are expanded in registers and x is permuted onto the kept
//    values (vpermt2ps); reads 56 % of the dense bytes, so it wins when the
//    weights stream from memory;
//  - sparse gemm (prefill): x transposed into tiles of 16·V activation rows,
//    each kept weight broadcast and multiplied into V vectors of its x row
//    (half the FLOPs of dense, no wasted multiply);
//  - decompress + sgemm: tiles of rows expanded to dense f32 and fed to
//    OpenBLAS; dense speed minus the expansion, the fallback.
#include <cstdint>

#include "slimlm/core/cpu_features.h"

namespace slimlm::kernels {

struct Sparse24View {
  const float* values = nullptr;     // [rows, cols / 2]
  const uint8_t* indices = nullptr;  // [rows, sparse24_index_bytes(cols)]
  int64_t rows = 0, cols = 0;        // the dense shape; cols % 4 == 0
};

// Bytes of positions per row.
inline int64_t sparse24_index_bytes(int64_t cols) { return (cols / 4 + 1) / 2; }

// Whether every group of 4 columns of dense [rows, cols] holds at most 2
// non-zeros (cols must be a multiple of 4). Returns the first offending
// group as row * (cols / 4) + group in *bad_group when not.
bool sparse24_fits(const float* dense, int64_t rows, int64_t cols, int64_t* bad_group = nullptr);

// dense [rows, cols] -> values / indices as above. Throws ConfigError when
// cols % 4 != 0 and FormatError naming the row and column when a group has
// more than 2 non-zeros.
void sparse24_pack(const float* dense, int64_t rows, int64_t cols, float* values,
                   uint8_t* indices);

// Rows [r0, r1) expanded to dense f32 out[(r - r0) * cols + c].
void sparse24_unpack(const Sparse24View& w, int64_t r0, int64_t r1, float* out);

// Throws FormatError when a nibble's two positions are not increasing
// (corrupt indices would otherwise put two values on one column).
void sparse24_validate(const Sparse24View& w);

enum class Sparse24Path : uint8_t { kAuto, kRows, kSparseGemm, kDecompressGemm };

// The rows kernel up to this many activation rows.
inline constexpr int64_t kSparse24RowsMaxM = 4;

// y[M, w.rows] = x[M, w.cols] · Wᵀ on all threads (row-major, no overlap).
void sparse24_matmul(const Sparse24View& w, const float* x, float* y, int64_t M);
void sparse24_matmul(const Sparse24View& w, const float* x, float* y, int64_t M, Isa isa,
                     Sparse24Path path = Sparse24Path::kAuto);

}  // namespace slimlm::kernels
