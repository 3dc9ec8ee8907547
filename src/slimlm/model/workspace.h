#pragma once
// Activation buffers of one forward pass (internal to model/). They grow on
// demand and are never shrunk, so a decode loop that keeps its KvCache (which
// owns one) allocates nothing after the first step.
#include <cstdint>
#include <vector>

#include "slimlm/core/tensor.h"
#include "slimlm/kernels/cpu/attention.h"

namespace slimlm::model {

struct Workspace {
  // f32 buffers; see forward.cpp for their shapes.
  Tensor x, xn, q, k, v, att, proj, gate, up, cos, sin, scratch;
  std::vector<int32_t> rope_rows;
  std::vector<kernels::AttentionHead> tasks;

  // At least n floats in t (64-byte aligned).
  static float* grow(Tensor& t, int64_t n) {
    if (static_cast<int64_t>(t.numel()) < n) t = Tensor::empty(DType::kF32, {n});
    return t.mutable_data<float>();
  }
};

}  // namespace slimlm::model
