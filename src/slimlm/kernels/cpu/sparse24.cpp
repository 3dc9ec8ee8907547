#include "slimlm/kernels/cpu/sparse24.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/tensor.h"
#include "slimlm/core/threads.h"
#include "slimlm/kernels/cpu/matmul.h"
#include "slimlm/kernels/cpu/sparse24_kernels.h"

namespace slimlm::kernels {
namespace {

const cpu::Sparse24Kernels& kernels_for(Isa isa) {
  switch (isa) {
    case Isa::kAvx512: return cpu::sparse24_kernels_avx512();
    case Isa::kAvx2: return cpu::sparse24_kernels_avx2();
    case Isa::kScalar: break;
  }
  return cpu::sparse24_kernels_scalar();
}

// Rows per task of the gemm paths: the task's transposed outputs
// (rows × tile floats) stay in L2 while the column blocks go by.
constexpr int64_t kGemmRowBlock = 64;

void decompress_gemm(const Sparse24View& w, const float* x, float* y, int64_t M) {
  const int64_t N = w.rows, K = w.cols;
  // A tile of about 128 KiB of f32 weights stays in L2 while sgemm streams x past it.
  const int64_t tile = std::clamp<int64_t>((32768 / K + 15) / 16 * 16, 16, 256);
  const int64_t tiles = (N + tile - 1) / tile;
  parallel_for(0, tiles, 1, [&](int64_t t0, int64_t t1) {
    thread_local std::vector<float> buf;
    buf.resize(static_cast<size_t>(tile * K));
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t r0 = t * tile, r1 = std::min(N, r0 + tile);
      sparse24_unpack(w, r0, r1, buf.data());
      sgemm_serial(false, true, M, r1 - r0, K, 1.0f, x, K, buf.data(), K, 0.0f, y + r0, N);
    }
  });
}

// At least n floats, 64-byte aligned (Tensor memory): the tile kernels'
// full-register loads must not straddle cache lines.
float* aligned_floats(Tensor& t, int64_t n) {
  if (static_cast<int64_t>(t.numel()) < n) t = Tensor::empty(DType::kF32, {n});
  return t.mutable_data<float>();
}

// dst[c * ldd + j] = src[j * lds + c] for j < rows, c < cols, in 8 x 8
// blocks so that reads and writes both stay within a few cache lines.
void transpose(const float* src, int64_t lds, int64_t rows, int64_t cols, float* dst, int64_t ldd) {
  constexpr int64_t kB = 8;
  for (int64_t j0 = 0; j0 < rows; j0 += kB) {
    const int64_t j1 = std::min(rows, j0 + kB);
    for (int64_t c0 = 0; c0 < cols; c0 += kB) {
      const int64_t c1 = std::min(cols, c0 + kB);
      for (int64_t j = j0; j < j1; ++j) {
        for (int64_t c = c0; c < c1; ++c) dst[c * ldd + j] = src[j * lds + c];
      }
    }
  }
}

void sparse_gemm(const cpu::Sparse24Kernels& k, const Sparse24View& w, const float* x, float* y,
                 int64_t M) {
  const int64_t N = w.rows, K = w.cols, T = k.tile_width;
  const int64_t tiles = (M + T - 1) / T;
  // x transposed tile by tile: xt[t][c][j] = x[t·T + j][c], zero past M.
  // (Named through a pointer: inside the workers `xt_buffer` would be their own.)
  thread_local Tensor xt_buffer;
  float* xt = aligned_floats(xt_buffer, tiles * K * T);
  parallel_for(0, tiles, 1, [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      float* dst = xt + t * K * T;
      const int64_t rows = std::min(T, M - t * T);
      if (rows < T) std::fill(dst, dst + K * T, 0.0f);
      transpose(x + t * T * K, K, rows, K, dst, T);
    }
  });
  const int64_t blocks = (N + kGemmRowBlock - 1) / kGemmRowBlock;
  parallel_for(0, blocks, 1, [&](int64_t b0, int64_t b1) {
    thread_local Tensor yt_buffer;
    float* yt = aligned_floats(yt_buffer, kGemmRowBlock * T);
    for (int64_t b = b0; b < b1; ++b) {
      const int64_t r0 = b * kGemmRowBlock, r1 = std::min(N, r0 + kGemmRowBlock);
      for (int64_t t = 0; t < tiles; ++t) {
        k.tile(w, xt + t * K * T, yt, r0, r1);
        const int64_t rows = std::min(T, M - t * T);
        transpose(yt, T, r1 - r0, rows, y + t * T * N + r0, N);
      }
    }
  });
}

}  // namespace

bool sparse24_fits(const float* dense, int64_t rows, int64_t cols, int64_t* bad_group) {
  const int64_t groups = cols / 4;
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = dense + r * cols;
    for (int64_t g = 0; g < groups; ++g) {
      const int nz = (row[4 * g] != 0.0f) + (row[4 * g + 1] != 0.0f) + (row[4 * g + 2] != 0.0f) +
                     (row[4 * g + 3] != 0.0f);
      if (nz > 2) {
        if (bad_group) *bad_group = r * groups + g;
        return false;
      }
    }
  }
  return true;
}

void sparse24_pack(const float* dense, int64_t rows, int64_t cols, float* values,
                   uint8_t* indices) {
  if (cols % 4 != 0) {
    throw ConfigError(fmt::format("2:4 sparse storage needs a multiple of 4 columns, got {}", cols));
  }
  const int64_t groups = cols / 4, ib = sparse24_index_bytes(cols);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = dense + r * cols;
    float* v = values + r * (cols / 2);
    uint8_t* idx = indices + r * ib;
    std::memset(idx, 0, static_cast<size_t>(ib));
    for (int64_t g = 0; g < groups; ++g) {
      int pos[2];
      int n = 0;
      for (int i = 0; i < 4; ++i) {
        if (row[4 * g + i] == 0.0f) continue;
        if (n == 2) {
          throw FormatError(fmt::format("row {} columns {}..{} hold more than 2 non-zeros: not 2:4 sparse",
                                        r, 4 * g, 4 * g + 3));
        }
        pos[n++] = i;
      }
      // Too few non-zeros: keep zeros at the first free positions, in order.
      for (int i = 0; n < 2 && i < 4; ++i) {
        if (row[4 * g + i] != 0.0f || (n == 1 && pos[0] == i)) continue;
        pos[n++] = i;
      }
      if (pos[0] > pos[1]) std::swap(pos[0], pos[1]);
      v[2 * g] = row[4 * g + pos[0]];
      v[2 * g + 1] = row[4 * g + pos[1]];
      idx[g / 2] |= static_cast<uint8_t>((pos[0] | (pos[1] << 2)) << (4 * (g % 2)));
    }
  }
}

void sparse24_unpack(const Sparse24View& w, int64_t r0, int64_t r1, float* out) {
  const int64_t K = w.cols, groups = K / 4, ib = sparse24_index_bytes(K);
  for (int64_t r = r0; r < r1; ++r) {
    float* row = out + (r - r0) * K;
    std::memset(row, 0, static_cast<size_t>(K) * sizeof(float));
    const float* v = w.values + r * (K / 2);
    const uint8_t* idx = w.indices + r * ib;
    for (int64_t g = 0; g < groups; ++g) {
      const unsigned nib = (idx[g / 2] >> (4 * (g % 2))) & 15u;
      row[4 * g + (nib & 3u)] = v[2 * g];
      row[4 * g + (nib >> 2)] = v[2 * g + 1];
    }
  }
}

void sparse24_validate(const Sparse24View& w) {
  if (w.cols % 4 != 0) {
    throw FormatError(fmt::format("2:4 sparse weights need a multiple of 4 columns, got {}", w.cols));
  }
  const int64_t groups = w.cols / 4, ib = sparse24_index_bytes(w.cols);
  for (int64_t r = 0; r < w.rows; ++r) {
    const uint8_t* idx = w.indices + r * ib;
    for (int64_t g = 0; g < groups; ++g) {
      const unsigned nib = (idx[g / 2] >> (4 * (g % 2))) & 15u;
      if ((nib & 3u) >= (nib >> 2)) {
        throw FormatError(fmt::format("2:4 positions of row {} group {} are not increasing ({}, {})", r,
                                      g, nib & 3u, nib >> 2));
      }
    }
  }
}

void sparse24_matmul(const Sparse24View& w, const float* x, float* y, int64_t M, Isa isa,
                     Sparse24Path path) {
  const int64_t N = w.rows, K = w.cols;
  if (M <= 0 || N <= 0) return;
  if (K == 0) {
    std::fill(y, y + M * N, 0.0f);
    return;
  }
  const cpu::Sparse24Kernels& k = kernels_for(isa);
  if (path == Sparse24Path::kAuto) {
    path = M <= kSparse24RowsMaxM ? Sparse24Path::kRows : Sparse24Path::kSparseGemm;
  }
  switch (path) {
    case Sparse24Path::kRows: {
      // Several activation rows share each expansion of the positions.
      const int64_t grain = std::max<int64_t>(4, 16384 / K);
      for (int64_t m0 = 0; m0 < M; m0 += kSparse24RowsMaxM) {
        const int64_t m = std::min(kSparse24RowsMaxM, M - m0);
        parallel_for(0, N, grain, [&](int64_t r0, int64_t r1) {
          k.rows(w, x + m0 * K, m, y + m0 * N, N, r0, r1);
        });
      }
      return;
    }
    case Sparse24Path::kSparseGemm: sparse_gemm(k, w, x, y, M); return;
    case Sparse24Path::kDecompressGemm: decompress_gemm(w, x, y, M); return;
    case Sparse24Path::kAuto: break;
  }
}

void sparse24_matmul(const Sparse24View& w, const float* x, float* y, int64_t M) {
  sparse24_matmul(w, x, y, M, best_isa());
}

}  // namespace slimlm::kernels
