#pragma once
// Element types. The numeric ids are persisted (registry, our own metadata):
// never renumber, only append. Packed quantized formats get ids from 64 up and
// describe themselves by block: `block_elems` elements stored in `block_bytes`.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace slimlm {

enum class DType : uint8_t {
  kF32 = 0,
  kF16 = 1,
  kBF16 = 2,
  kI8 = 3,
  kU8 = 4,
  kI16 = 5,
  kI32 = 6,
  kI64 = 7,
  kBool = 8,
  kF64 = 9,
  kU16 = 10,
  kU32 = 11,
  kU64 = 12,
  kF8E4M3 = 13,
  kF8E5M2 = 14,
  // 64 and up: packed quantized formats (quant/), added by later issues.
};

struct DTypeTraits {
  DType id;
  std::string_view name;              // slimlm's stable name, e.g. "bf16"
  std::string_view safetensors_name;  // e.g. "BF16"; empty if not a safetensors dtype
  size_t block_elems;                 // elements per storage block (1 for plain types)
  size_t block_bytes;                 // bytes per storage block
  bool is_float;
  bool is_signed;
};

// Traits of a dtype; throws UnsupportedError for an id that is not in the table.
const DTypeTraits& dtype_traits(DType t);
std::span<const DTypeTraits> all_dtypes();

std::string_view to_string(DType t);
// Accepts slimlm names ("bf16") and safetensors names ("BF16").
std::optional<DType> dtype_from_string(std::string_view name);
std::optional<DType> dtype_from_safetensors(std::string_view name);

// Bytes for `elems` elements; throws FormatError when elems is not a whole
// number of blocks or the size would overflow.
size_t dtype_bytes(DType t, uint64_t elems);

}  // namespace slimlm
