#include "slimlm/quant/quantized_tensor.h"

#include <fmt/format.h>

#include <vector>

#include "slimlm/core/error.h"

namespace slimlm::quant {

uint64_t QuantizedTensor::nbytes() const {
  return codes.nbytes() + scales.nbytes() + zeros.nbytes() + perm.nbytes();
}

double QuantizedTensor::bits_per_weight() const {
  if (rows <= 0 || cols <= 0) return 0.0;
  return static_cast<double>(nbytes()) * 8.0 / (static_cast<double>(rows) * static_cast<double>(cols));
}

namespace {

void expect(const Tensor& t, DType dtype, const Shape& shape, std::string_view member,
            std::string_view what, const FormatTraits& f) {
  if (t.dtype() != dtype || t.shape() != shape) {
    throw FormatError(fmt::format("{}: {} of a {} matrix must be {}{}, got {}", what, member,
                                  f.name, to_string(dtype), shape_to_string(shape), t.describe()));
  }
}

}  // namespace

void QuantizedTensor::validate(std::string_view what) const {
  const FormatTraits& t = traits();
  try {
    check_shape(format, rows, cols, what);
  } catch (const ConfigError& e) {
    throw FormatError(e.what());
  }
  const int64_t groups = groups_per_row();
  expect(codes, DType::kI32, {rows, words_per_row()}, "codes", what, t);
  // f32 scales hold any checkpoint's scales exactly (bf16 ones from other tools).
  expect(scales, scales.dtype() == DType::kF32 ? DType::kF32 : t.scale_dtype, {rows, groups},
         "scales", what, t);
  if (t.symmetric) {
    if (zeros.numel() != 0) {
      throw FormatError(fmt::format("{}: symmetric format {} has no zero points", what, t.name));
    }
  } else {
    expect(zeros, DType::kU8, {rows, groups}, "zero points", what, t);
  }
  if (perm.numel() != 0) {
    expect(perm, DType::kI32, {cols}, "permutation", what, t);
    std::vector<bool> seen(static_cast<size_t>(cols), false);
    const int32_t* p = perm.data<int32_t>();
    for (int64_t i = 0; i < cols; ++i) {
      if (p[i] < 0 || p[i] >= cols || seen[static_cast<size_t>(p[i])]) {
        throw FormatError(fmt::format("{}: column permutation is not a permutation of 0..{} (entry {} = {})",
                                      what, cols - 1, i, p[i]));
      }
      seen[static_cast<size_t>(p[i])] = true;
    }
  }
}

}  // namespace slimlm::quant
