#pragma once
// RMSNorm as transformers' LlamaRMSNorm computes it in f32:
// out = weight * (x * rsqrt(mean(x^2) + eps)), one row at a time.
#include <cstdint>

namespace slimlm::kernels {

// x and out are [M, C] (out may be x); rows are split across threads when
// there are many.
void rms_norm_f32(const float* x, const float* weight, float* out, int64_t M, int64_t C,
                  float eps);

}  // namespace slimlm::kernels
