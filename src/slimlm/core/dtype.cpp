#include "slimlm/core/dtype.h"

#include <array>
#include <limits>
#include <string>

#include "slimlm/core/error.h"

namespace slimlm {
namespace detail {
extern const std::array<DTypeTraits, 15> kDTypeTable;
}

std::span<const DTypeTraits> all_dtypes() { return detail::kDTypeTable; }

const DTypeTraits& dtype_traits(DType t) {
  for (const auto& tr : detail::kDTypeTable) {
    if (tr.id == t) return tr;
  }
  throw UnsupportedError("unknown dtype id " + std::to_string(static_cast<int>(t)));
}

std::string_view to_string(DType t) { return dtype_traits(t).name; }

std::optional<DType> dtype_from_string(std::string_view name) {
  for (const auto& tr : detail::kDTypeTable) {
    if (tr.name == name || tr.safetensors_name == name) return tr.id;
  }
  return std::nullopt;
}

std::optional<DType> dtype_from_safetensors(std::string_view name) {
  for (const auto& tr : detail::kDTypeTable) {
    if (!tr.safetensors_name.empty() && tr.safetensors_name == name) return tr.id;
  }
  return std::nullopt;
}

size_t dtype_bytes(DType t, uint64_t elems) {
  const auto& tr = dtype_traits(t);
  if (elems % tr.block_elems != 0) {
    throw FormatError(std::to_string(elems) + " elements is not a whole number of " +
                      std::string(tr.name) + " blocks of " + std::to_string(tr.block_elems));
  }
  const uint64_t blocks = elems / tr.block_elems;
  if (blocks > std::numeric_limits<size_t>::max() / tr.block_bytes) {
    throw FormatError(std::to_string(elems) + " elements of " + std::string(tr.name) +
                      " overflow the address space");
  }
  return static_cast<size_t>(blocks * tr.block_bytes);
}

}  // namespace slimlm
