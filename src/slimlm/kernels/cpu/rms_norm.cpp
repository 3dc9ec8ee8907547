#include "slimlm/kernels/cpu/rms_norm.h"

#include <algorithm>
#include <cmath>

#include "slimlm/core/threads.h"

namespace slimlm::kernels {
namespace {

void rms_norm_rows(const float* x, const float* weight, float* out, int64_t rows, int64_t C,
                   float eps) {
  for (int64_t m = 0; m < rows; ++m) {
    const float* r = x + m * C;
    float* o = out + m * C;
    // Sixteen partial sums: vectorised by the compiler, and more accurate
    // than one running sum.
    float acc[16] = {};
    int64_t c = 0;
    for (; c + 16 <= C; c += 16) {
      for (int j = 0; j < 16; ++j) acc[j] += r[c + j] * r[c + j];
    }
    double ss = 0.0;
    for (int j = 0; j < 16; ++j) ss += acc[j];
    for (; c < C; ++c) ss += double(r[c]) * double(r[c]);
    const float var = static_cast<float>(ss / double(C));
    const float inv = static_cast<float>(1.0 / std::sqrt(double(var + eps)));
    for (c = 0; c < C; ++c) o[c] = weight[c] * (r[c] * inv);
  }
}

}  // namespace

void rms_norm_f32(const float* x, const float* weight, float* out, int64_t M, int64_t C,
                  float eps) {
  // Below ~64K elements a hand-off to the pool costs more than it saves.
  const int64_t grain = C > 0 ? std::max<int64_t>(1, 65536 / C) : M;
  parallel_for(0, M, grain, [&](int64_t b, int64_t e) {
    rms_norm_rows(x + b * C, weight, out + b * C, e - b, C, eps);
  });
}

}  // namespace slimlm::kernels
