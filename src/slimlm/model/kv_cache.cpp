#include "slimlm/model/kv_cache.h"

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::model {

KvCache::KvCache(const io::ModelConfig& c, int64_t capacity)
    : layers_(c.num_hidden_layers),
      kv_heads_(c.num_key_value_heads),
      head_dim_(c.head_dim),
      capacity_(capacity) {
  if (capacity < 1) throw ConfigError(fmt::format("KV cache capacity must be positive, not {}", capacity));
  const Shape shape = {layers_, kv_heads_, capacity_, head_dim_};
  k_ = Tensor::empty(DType::kF32, shape);
  v_ = Tensor::empty(DType::kF32, shape);
}

void KvCache::truncate(int64_t n) {
  if (n < 0 || n > size_) {
    throw Error(fmt::format("KV cache: cannot truncate {} tokens to {}", size_, n));
  }
  size_ = n;
}

}  // namespace slimlm::model
