#pragma once
// Keys and values of one sequence for every layer, sized for the context the
// caller asks for (Model::new_cache), not the model's maximum. Layout per
// layer and key/value head: [capacity, D] rows, so one head's keys are
// contiguous for the attention kernel. The cache also owns the scratch
// buffers of Model::decode, which is why decoding allocates nothing per step.
#include <cstdint>

#include "slimlm/core/tensor.h"
#include "slimlm/io/model_config.h"
#include "slimlm/model/workspace.h"

namespace slimlm::model {

class Model;

class KvCache {
 public:
  // Prefer Model::new_cache. Throws ConfigError when capacity < 1.
  KvCache(const io::ModelConfig& c, int64_t capacity);

  int64_t size() const { return size_; }          // tokens held
  int64_t capacity() const { return capacity_; }  // max tokens
  void clear() { size_ = 0; }
  // Keeps the first n tokens (0 <= n <= size()), e.g. to drop a rejected draft.
  void truncate(int64_t n);
  // Bytes of key and value storage.
  uint64_t bytes() const { return k_.nbytes() + v_.nbytes(); }

  int64_t layers() const { return layers_; }
  int64_t kv_heads() const { return kv_heads_; }
  int64_t head_dim() const { return head_dim_; }
  // [capacity, D] rows of layer l, key/value head g; the first size() are valid.
  float* keys(int64_t l, int64_t g) { return k_.mutable_data<float>() + offset(l, g); }
  float* values(int64_t l, int64_t g) { return v_.mutable_data<float>() + offset(l, g); }
  const float* keys(int64_t l, int64_t g) const { return k_.data<float>() + offset(l, g); }
  const float* values(int64_t l, int64_t g) const { return v_.data<float>() + offset(l, g); }

 private:
  friend class Model;
  int64_t offset(int64_t l, int64_t g) const { return (l * kv_heads_ + g) * capacity_ * head_dim_; }

  int64_t layers_, kv_heads_, head_dim_, capacity_;
  int64_t size_ = 0;
  Tensor k_, v_;  // f32 [L, Hkv, capacity, D]
  Workspace ws_;
  bool warned_past_max_ = false;
};

}  // namespace slimlm::model
