#pragma once
// One allocation for the f32 weights converted at load (internal to
// model/). It is 2 MiB aligned and marked for transparent huge pages:
// decode streams every weight once per token, and with 4 KiB pages a
// 512-wide f32 matrix costs a TLB miss every other row. Measured on the
// benchmark machine, a GEMV over 89 MB went from ~14 to ~18-20 GB/s per core.
#include <cstdint>
#include <memory>

#include "slimlm/core/tensor.h"

namespace slimlm::model {

class WeightArena {
 public:
  // Bytes an f32 tensor of `numel` elements takes in the arena.
  static uint64_t footprint(uint64_t numel);

  explicit WeightArena(uint64_t bytes);

  // The next f32 tensor of `shape` (writable, uninitialised). Its memory
  // stays alive as long as any tensor taken from the arena does.
  Tensor take(const Shape& shape);

 private:
  std::shared_ptr<void> memory_;
  uint64_t size_ = 0;
  uint64_t used_ = 0;
};

}  // namespace slimlm::model
