#include "slimlm/quant/format.h"

#include <fmt/format.h>

#include <array>

#include "slimlm/core/error.h"

namespace slimlm::quant {
namespace detail {
extern const std::array<FormatTraits, 27> kFormatTable;
}

std::span<const FormatTraits> all_formats() { return detail::kFormatTable; }

const FormatTraits& format_traits(QuantFormat f) {
  for (const auto& t : detail::kFormatTable) {
    if (t.id == f) return t;
  }
  throw UnsupportedError(fmt::format("unknown quantized format id {}", static_cast<int>(f)));
}

std::string_view to_string(QuantFormat f) { return format_traits(f).name; }

std::optional<QuantFormat> format_from_string(std::string_view name) {
  for (const auto& t : detail::kFormatTable) {
    if (t.name == name) return t.id;
  }
  return std::nullopt;
}

std::string format_list() {
  std::string s;
  for (const auto& t : detail::kFormatTable) {
    if (!s.empty()) s += ", ";
    s += t.name;
  }
  return s;
}

std::optional<QuantFormat> find_uniform_format(int bits, int group_size, bool symmetric) {
  for (const auto& t : detail::kFormatTable) {
    if (t.codebook == Codebook::kUniform && t.bits == bits && t.group_size == group_size &&
        t.symmetric == symmetric) {
      return t.id;
    }
  }
  return std::nullopt;
}

uint64_t storage_bytes(QuantFormat f, int64_t rows, int64_t cols) {
  const auto& t = format_traits(f);
  const auto r = static_cast<uint64_t>(rows);
  const auto groups = static_cast<uint64_t>(t.groups_per_row(cols));
  uint64_t bytes = r * static_cast<uint64_t>(t.words_per_row(cols)) * 4;
  bytes += r * groups * dtype_traits(t.scale_dtype).block_bytes;
  if (t.zero_bits > 0) {
    // compressed-tensors packs zero points along the output dimension.
    const uint64_t per_word = static_cast<uint64_t>(32 / t.zero_bits);
    bytes += (r + per_word - 1) / per_word * groups * 4;
  }
  return bytes;
}

double bits_per_weight(QuantFormat f, int64_t rows, int64_t cols) {
  if (rows <= 0 || cols <= 0) return 0.0;
  return static_cast<double>(storage_bytes(f, rows, cols)) * 8.0 /
         (static_cast<double>(rows) * static_cast<double>(cols));
}

double nominal_bits_per_weight(QuantFormat f) {
  const auto& t = format_traits(f);
  double bpw = 32.0 / t.codes_per_word;
  if (t.group_size > 0) {
    bpw += (8.0 * static_cast<double>(dtype_traits(t.scale_dtype).block_bytes) + t.zero_bits) /
           t.group_size;
  }
  return bpw;
}

void check_shape(QuantFormat f, int64_t rows, int64_t cols, std::string_view what) {
  const auto& t = format_traits(f);
  if (rows <= 0 || cols <= 0) {
    throw ConfigError(fmt::format("{}: cannot quantize a [{}, {}] matrix", what, rows, cols));
  }
  if (t.group_size > 0 && cols % t.group_size != 0) {
    throw ConfigError(fmt::format(
        "{}: group size {} of format {} does not divide the row length {}; pick a group size "
        "that divides it or keep this tensor unquantized",
        what, t.group_size, t.name, cols));
  }
  if (cols % kRowMultiple != 0) {
    throw ConfigError(fmt::format("{}: row length {} is not a multiple of {}, which format {} needs",
                                  what, cols, kRowMultiple, t.name));
  }
}

}  // namespace slimlm::quant
