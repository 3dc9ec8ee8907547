#include "slimlm/core/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>

#include "slimlm/core/convert.h"
#include "slimlm/core/error.h"

namespace slimlm {

uint64_t shape_numel(const Shape& shape) {
  uint64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw FormatError("negative dimension in shape " + shape_to_string(shape));
    if (d != 0 && n > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(d)) {
      throw FormatError("shape " + shape_to_string(shape) + " overflows 64 bits");
    }
    n *= static_cast<uint64_t>(d);
  }
  return n;
}

std::string shape_to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace {
constexpr size_t kAlign = 64;

std::shared_ptr<void> allocate(size_t bytes) {
  const size_t rounded = (bytes + kAlign - 1) / kAlign * kAlign;
  void* p = std::aligned_alloc(kAlign, rounded == 0 ? kAlign : rounded);
  if (!p) throw Error("out of memory allocating " + std::to_string(bytes) + " bytes");
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}
}  // namespace

Tensor Tensor::empty(DType dtype, Shape shape) {
  Tensor t;
  t.dtype_ = dtype;
  t.numel_ = shape_numel(shape);
  t.nbytes_ = dtype_bytes(dtype, t.numel_);
  t.shape_ = std::move(shape);
  auto mem = allocate(t.nbytes_);
  t.data_ = mem.get();
  t.owner_ = std::move(mem);
  t.owns_ = true;
  t.writable_ = true;
  return t;
}

Tensor Tensor::zeros(DType dtype, Shape shape) {
  Tensor t = empty(dtype, std::move(shape));
  std::memset(t.data_, 0, t.nbytes_);
  return t;
}

Tensor Tensor::view(const void* data, DType dtype, Shape shape, std::shared_ptr<const void> owner,
                    bool writable) {
  Tensor t;
  t.dtype_ = dtype;
  t.numel_ = shape_numel(shape);
  t.nbytes_ = dtype_bytes(dtype, t.numel_);
  t.shape_ = std::move(shape);
  t.data_ = const_cast<void*>(data);
  t.owner_ = std::move(owner);
  t.owns_ = false;
  t.writable_ = writable;
  return t;
}

int64_t Tensor::dim(int i) const {
  const int n = ndim();
  const int k = i < 0 ? i + n : i;
  if (k < 0 || k >= n) {
    throw Error("dimension " + std::to_string(i) + " out of range for " + describe());
  }
  return shape_[static_cast<size_t>(k)];
}

void* Tensor::mutable_raw_data() {
  if (!writable_) throw Error("tensor " + describe() + " views read-only memory");
  return data_;
}

Tensor Tensor::reshape(Shape shape) const {
  if (shape_numel(shape) != numel_) {
    throw Error("cannot reshape " + describe() + " to " + shape_to_string(shape));
  }
  Tensor t = *this;
  t.shape_ = std::move(shape);
  t.owns_ = false;  // shares memory with this tensor
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = empty(dtype_, shape_);
  if (nbytes_) std::memcpy(t.data_, data_, nbytes_);
  return t;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return clone();
  Tensor t = empty(dtype, shape_);
  try {
    convert(data_, dtype_, t.data_, dtype, numel_);
  } catch (const UnsupportedError& e) {
    throw UnsupportedError("tensor " + describe() + ": " + e.what());
  }
  return t;
}

std::string Tensor::describe() const {
  return std::string(to_string(dtype_)) + shape_to_string(shape_);
}

void Tensor::check_dtype(DType want) const {
  if (want != dtype_) {
    throw Error("tensor " + describe() + " accessed as " + std::string(to_string(want)));
  }
}

}  // namespace slimlm
