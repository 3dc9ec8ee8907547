#include "slimlm/kernels/cpu/attention.h"

#include <algorithm>
#include <cstring>

#include "slimlm/kernels/cpu/activations.h"
#include "slimlm/kernels/cpu/matmul.h"

namespace slimlm::kernels {

void attention_head_f32(const AttentionHead& a, float* scratch) {
  const int64_t D = a.head_dim;
  const int64_t first_pos = a.n_kv - a.n_q;
  for (int64_t i0 = 0; i0 < a.n_q; i0 += kAttentionBlockQ) {
    const int64_t rows = std::min(kAttentionBlockQ, a.n_q - i0);
    const int64_t p0 = first_pos + i0;         // position of the block's first query
    const int64_t p1 = p0 + rows - 1;          // and of its last
    const int64_t lo = a.window > 0 ? std::max<int64_t>(0, p0 - a.window + 1) : 0;
    const int64_t hi = p1 + 1;                 // keys [lo, hi) are seen by some row
    const int64_t width = hi - lo;
    float* s = scratch;                        // rows × width scores
    sgemm_serial(false, true, rows, width, D, a.scale, a.q + i0 * a.q_stride, a.q_stride,
                 a.k + lo * a.k_stride, a.k_stride, 0.0f, s, width);
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t p = p0 + r;
      const int64_t r_lo = a.window > 0 ? std::max<int64_t>(0, p - a.window + 1) - lo : 0;
      const int64_t r_hi = p + 1 - lo;
      float* row = s + r * width;
      // Masked keys get probability 0, exactly as exp(-inf) in the reference.
      std::fill(row, row + r_lo, 0.0f);
      softmax_f32(row + r_lo, r_hi - r_lo);
      std::fill(row + r_hi, row + width, 0.0f);
    }
    sgemm_serial(false, false, rows, D, width, 1.0f, s, width, a.v + lo * a.v_stride, a.v_stride,
                 0.0f, a.out + i0 * a.out_stride, a.out_stride);
  }
}

}  // namespace slimlm::kernels
