#pragma once
// Tensor: a dtype, a row-major shape and a pointer to the elements, which it
// either owns (allocated, 64-byte aligned) or views (for example weights in a
// memory-mapped safetensors file, used without a copy). A view keeps whatever
// owns its memory alive through `owner`. Views of read-only memory reject
// mutable access instead of crashing on a write.
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "slimlm/core/dtype.h"

namespace slimlm {

using Shape = std::vector<int64_t>;

// Element count of a shape; throws FormatError on negative dims or overflow.
uint64_t shape_numel(const Shape& shape);
std::string shape_to_string(const Shape& shape);

template <class T>
struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::kF32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kF64; };
template <> struct DTypeOf<int8_t> { static constexpr DType value = DType::kI8; };
template <> struct DTypeOf<uint8_t> { static constexpr DType value = DType::kU8; };
template <> struct DTypeOf<int16_t> { static constexpr DType value = DType::kI16; };
template <> struct DTypeOf<int32_t> { static constexpr DType value = DType::kI32; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::kI64; };
template <> struct DTypeOf<uint32_t> { static constexpr DType value = DType::kU32; };
template <> struct DTypeOf<uint64_t> { static constexpr DType value = DType::kU64; };

class Tensor {
 public:
  Tensor() = default;

  // Owned, uninitialised memory.
  static Tensor empty(DType dtype, Shape shape);
  // Owned memory set to zero bytes.
  static Tensor zeros(DType dtype, Shape shape);
  // A view of memory owned elsewhere; `owner` keeps it alive (may be null
  // when the caller guarantees the lifetime).
  static Tensor view(const void* data, DType dtype, Shape shape,
                     std::shared_ptr<const void> owner, bool writable = false);
  static Tensor view(void* data, DType dtype, Shape shape, std::shared_ptr<const void> owner) {
    return view(static_cast<const void*>(data), dtype, std::move(shape), std::move(owner), true);
  }

  bool defined() const { return data_ != nullptr || numel_ == 0; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  // Size of dimension i; negative i counts from the end.
  int64_t dim(int i) const;
  uint64_t numel() const { return numel_; }
  size_t nbytes() const { return nbytes_; }
  bool owns_memory() const { return owns_; }
  bool writable() const { return writable_; }

  const void* raw_data() const { return data_; }
  // Throws Error when the tensor views read-only memory.
  void* mutable_raw_data();

  template <class T>
  const T* data() const {
    check_dtype(DTypeOf<T>::value);
    return static_cast<const T*>(data_);
  }
  template <class T>
  T* mutable_data() {
    check_dtype(DTypeOf<T>::value);
    return static_cast<T*>(mutable_raw_data());
  }

  // Same memory, another shape with the same element count.
  Tensor reshape(Shape shape) const;
  // A copy that owns its memory (writable).
  Tensor clone() const;
  // A copy converted to `dtype` (see core/convert.h for the supported pairs).
  Tensor to(DType dtype) const;

  std::string describe() const;  // e.g. "bf16[4096, 11008]"

 private:
  void check_dtype(DType want) const;

  DType dtype_ = DType::kF32;
  Shape shape_;
  uint64_t numel_ = 0;
  size_t nbytes_ = 0;
  void* data_ = nullptr;
  std::shared_ptr<const void> owner_;
  bool owns_ = false;
  bool writable_ = false;
};

}  // namespace slimlm
