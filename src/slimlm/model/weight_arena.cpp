#include "slimlm/model/weight_arena.h"

#include <sys/mman.h>

#include <cstdlib>

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::model {
namespace {

constexpr uint64_t kHugePage = uint64_t{2} << 20;
constexpr uint64_t kAlign = 64;  // each tensor: a cache line, as Tensor::empty

uint64_t round_up(uint64_t n, uint64_t to) { return (n + to - 1) / to * to; }

}  // namespace

uint64_t WeightArena::footprint(uint64_t numel) { return round_up(numel * sizeof(float), kAlign); }

WeightArena::WeightArena(uint64_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  const uint64_t rounded = round_up(bytes, kHugePage);
  void* p = std::aligned_alloc(kHugePage, rounded);
  if (!p) throw Error(fmt::format("out of memory allocating {} bytes of weights", rounded));
  memory_ = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  // Advice only: without transparent huge pages (or with them off) the
  // arena works the same on 4 KiB pages.
  madvise(p, rounded, MADV_HUGEPAGE);
}

Tensor WeightArena::take(const Shape& shape) {
  const uint64_t bytes = footprint(shape_numel(shape));
  if (used_ + bytes > size_) {
    throw Error(fmt::format("weight arena: {} bytes asked, {} of {} left", bytes, size_ - used_, size_));
  }
  void* at = static_cast<char*>(memory_.get()) + used_;
  used_ += bytes;
  return Tensor::view(at, DType::kF32, shape, memory_);
}

}  // namespace slimlm::model
