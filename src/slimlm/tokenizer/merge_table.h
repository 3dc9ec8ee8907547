#pragma once
// BPE merge ranks: (left id, right id) -> (rank, merged id), in an
// open-addressing table probed linearly. The merge loop asks this for every
// neighbouring pair, so it is kept flat and branch-light.
#include <cstdint>
#include <vector>

namespace slimlm::tokenizer {

class MergeTable {
 public:
  struct Value {
    uint32_t rank;
    int32_t id;
  };

  explicit MergeTable(size_t expected = 0) { reserve(expected); }

  void reserve(size_t n) {
    size_t cap = 16;
    while (cap < 2 * n + 2) cap <<= 1;
    slots_.assign(cap, Slot{kEmpty, {0, 0}});
    mask_ = cap - 1;
    size_ = 0;
  }

  // A later insert of the same pair overwrites the earlier one, as HF's
  // HashMap collect does for duplicate merges.
  void insert(int32_t left, int32_t right, Value v) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    const uint64_t key = pack(left, right);
    for (size_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      if (slots_[i].key == kEmpty) {
        slots_[i] = {key, v};
        ++size_;
        return;
      }
      if (slots_[i].key == key) {
        slots_[i].value = v;
        return;
      }
    }
  }

  const Value* find(int32_t left, int32_t right) const {
    const uint64_t key = pack(left, right);
    for (size_t i = hash(key) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.value;
      if (s.key == kEmpty) return nullptr;
    }
  }

  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  struct Slot {
    uint64_t key;
    Value value;
  };
  static uint64_t pack(int32_t l, int32_t r) {
    return (uint64_t{static_cast<uint32_t>(l)} << 32) | static_cast<uint32_t>(r);
  }
  static uint64_t hash(uint64_t k) {
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    return k;
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    reserve(old.size());
    for (const Slot& s : old)
      if (s.key != kEmpty)
        insert(static_cast<int32_t>(s.key >> 32), static_cast<int32_t>(s.key & 0xffffffffu), s.value);
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace slimlm::tokenizer
