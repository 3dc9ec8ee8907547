#pragma once
// Reference (scalar) packing and unpacking: the truth the fast kernels and
// the checkpoint code are tested against.
#include <cstdint>
#include <span>
#include <vector>

#include "slimlm/quant/quantized_tensor.h"

namespace slimlm::quant {

// codes (each < 2^bits) -> ceil(n / (32/bits)) words, code j of a word at
// bits j*bits, the last word zero-padded: compressed-tensors' pack_to_int32
// on one row. words.size() must be exactly that.
void pack_codes(std::span<const uint8_t> codes, int bits, std::span<uint32_t> words);
// The inverse for codes.size() codes.
void unpack_codes(std::span<const uint32_t> words, int bits, std::span<uint8_t> codes);

// A matrix given as plain arrays, the form quantizers produce.
struct UnpackedQuant {
  QuantFormat format = QuantFormat::kInt8;
  int64_t rows = 0, cols = 0;
  std::vector<uint8_t> codes;  // [rows, cols] in storage column order
  std::vector<float> scales;   // [rows, groups]; must be representable in the scale dtype
  std::vector<uint8_t> zeros;  // [rows, groups]; empty for symmetric formats
  std::vector<int32_t> perm;   // [cols] or empty
};

// Builds the packed form. Throws ConfigError when the shape does not fit the
// format, FormatError when a code, zero point or permutation is out of range
// or a scale is not exactly representable in the scale dtype.
QuantizedTensor pack(const UnpackedQuant& u);
// The exact inverse of pack().
UnpackedQuant unpack(const QuantizedTensor& q);

// Value of one code, given its group's scale and zero point.
float decode_value(const FormatTraits& t, uint8_t code, float scale, int zero);

// Row r dequantized to f32 in input-feature order (the permutation undone).
void dequantize_row(const QuantizedTensor& q, int64_t r, float* out);
// The whole matrix, f32 [rows, cols].
Tensor dequantize(const QuantizedTensor& q);

// Scale of group g of row r as f32, and its zero point (the implied one for
// symmetric formats).
float group_scale(const QuantizedTensor& q, int64_t r, int64_t g);
int group_zero(const QuantizedTensor& q, int64_t r, int64_t g);

}  // namespace slimlm::quant
