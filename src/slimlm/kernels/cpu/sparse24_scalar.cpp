// Portable 2:4 kernels: the layout read one nibble at a time. They are the
// fallback on CPUs without AVX2 and the semantics the vector kernels match.
#include <algorithm>

#include "slimlm/kernels/cpu/sparse24_kernels.h"

namespace slimlm::kernels::cpu {
namespace {

constexpr int64_t kTile = 16;

void rows_scalar(const Sparse24View& w, const float* x, int64_t M, float* y, int64_t ldy, int64_t r0,
                 int64_t r1) {
  const int64_t K = w.cols, groups = K / 4, ib = sparse24_index_bytes(K);
  for (int64_t r = r0; r < r1; ++r) {
    const float* v = w.values + r * (K / 2);
    const uint8_t* idx = w.indices + r * ib;
    for (int64_t m = 0; m < M; ++m) {
      const float* xm = x + m * K;
      float acc = 0.0f;
      for (int64_t g = 0; g < groups; ++g) {
        const unsigned nib = (idx[g / 2] >> (4 * (g % 2))) & 15u;
        acc += v[2 * g] * xm[4 * g + (nib & 3u)] + v[2 * g + 1] * xm[4 * g + (nib >> 2)];
      }
      y[m * ldy + r] = acc;
    }
  }
}

void tile_scalar(const Sparse24View& w, const float* xt, float* yt, int64_t r0, int64_t r1) {
  const int64_t K = w.cols, groups = K / 4, ib = sparse24_index_bytes(K);
  for (int64_t r = r0; r < r1; ++r) {
    float acc[kTile] = {};
    const float* v = w.values + r * (K / 2);
    const uint8_t* idx = w.indices + r * ib;
    for (int64_t g = 0; g < groups; ++g) {
      const unsigned nib = (idx[g / 2] >> (4 * (g % 2))) & 15u;
      const float* x0 = xt + (4 * g + (nib & 3u)) * kTile;
      const float* x1 = xt + (4 * g + (nib >> 2)) * kTile;
      for (int64_t j = 0; j < kTile; ++j) acc[j] += v[2 * g] * x0[j] + v[2 * g + 1] * x1[j];
    }
    std::copy(acc, acc + kTile, yt + (r - r0) * kTile);
  }
}

}  // namespace

const Sparse24Kernels& sparse24_kernels_scalar() {
  static const Sparse24Kernels k{&rows_scalar, &tile_scalar, kTile};
  return k;
}

}  // namespace slimlm::kernels::cpu
