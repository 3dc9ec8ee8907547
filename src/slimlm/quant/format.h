#pragma once
// Quantized storage formats: one enum and one traits table (format_table.cpp),
// as ggml's type_traits. Every other part of slimlm (packing, RTN, kernels,
// checkpoints, the CLI) asks the traits instead of switching on the enum.
//
// Codes are unsigned, `bits` wide, packed little-endian into 32-bit words,
// `codes_per_word` = 32 / bits to a word (code j of a word at bits j*bits),
// each row padded to whole words: exactly compressed-tensors' pack_to_int32,
// so int4/int8 weights load zero-copy from a pack-quantized checkpoint. (That
// layout spends 32 bits on 10 int3 codes: 3.2 bits a weight, counted below.)
//
// A weight decodes as
//   uniform: scale * (code - zero), zero = 2^(bits-1) when symmetric, else a
//            stored per-group zero point (GPTQ's quantizer; compressed-tensors
//            stores the same thing shifted by 2^(bits-1), as signed values);
//   nf4:     absmax * kNf4Values[code] (bitsandbytes NF4, 64-element blocks).
//
// The ids are persisted (recipes, the registry) and share the range 64+ that
// core/dtype.h reserves for packed formats: never renumber, only append.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "slimlm/core/dtype.h"

namespace slimlm::quant {

enum class QuantFormat : uint8_t {
  kInt8 = 64,
  kInt8Asym = 65,
  kNf4 = 66,
  kInt4G32 = 67,
  kInt4G32Asym = 68,
  kInt4G64 = 69,
  kInt4G64Asym = 70,
  kInt4G128 = 71,
  kInt4G128Asym = 72,
  kInt4 = 73,
  kInt4Asym = 74,
  kInt3G32 = 75,
  kInt3G32Asym = 76,
  kInt3G64 = 77,
  kInt3G64Asym = 78,
  kInt3G128 = 79,
  kInt3G128Asym = 80,
  kInt3 = 81,
  kInt3Asym = 82,
  kInt2G32 = 83,
  kInt2G32Asym = 84,
  kInt2G64 = 85,
  kInt2G64Asym = 86,
  kInt2G128 = 87,
  kInt2G128Asym = 88,
  kInt2 = 89,
  kInt2Asym = 90,
};

enum class Codebook : uint8_t {
  kUniform = 0,  // evenly spaced integer levels
  kNf4 = 1,      // the 16 NormalFloat levels of QLoRA / bitsandbytes
};

// Every kernel walks rows in units of this many weights, so rows (and
// groups) are multiples of it.
inline constexpr int64_t kRowMultiple = 32;

struct FormatTraits {
  QuantFormat id;
  std::string_view name;  // stable: CLI, recipes, config.json
  Codebook codebook;
  int bits;            // bits of one code
  int group_size;      // weights per scale along a row; 0 = the whole row (per output channel)
  bool symmetric;      // no stored zero point
  DType scale_dtype;   // f16 (integer formats) or f32 (NF4 absmax, as bitsandbytes keeps it)
  int zero_bits;       // bits of a stored zero point when asymmetric, else 0
  int codes_per_word;  // 32 / bits
  std::string_view summary;

  bool per_channel() const { return group_size == 0; }
  // Weights that share one scale in a row of `cols`.
  int64_t group_length(int64_t cols) const { return group_size == 0 ? cols : group_size; }
  int64_t groups_per_row(int64_t cols) const { return cols / group_length(cols); }
  int64_t words_per_row(int64_t cols) const { return (cols + codes_per_word - 1) / codes_per_word; }
  // Unsigned zero of a symmetric format (2^(bits-1)).
  int implied_zero() const { return 1 << (bits - 1); }
  int max_code() const { return (1 << bits) - 1; }
};

const FormatTraits& format_traits(QuantFormat f);
std::span<const FormatTraits> all_formats();

std::string_view to_string(QuantFormat f);
std::optional<QuantFormat> format_from_string(std::string_view name);
// "int8, int8_asym, nf4, int4_g32, ..." for error messages and --help.
std::string format_list();

// The uniform format with these parameters (group_size 0 = per channel).
std::optional<QuantFormat> find_uniform_format(int bits, int group_size, bool symmetric);

// Storage of a [rows, cols] matrix: packed codes + scales + zero points as
// stored on disk (zero points packed like codes, compressed-tensors style).
uint64_t storage_bytes(QuantFormat f, int64_t rows, int64_t cols);
// storage_bytes * 8 / (rows * cols): everything counted, padding included.
double bits_per_weight(QuantFormat f, int64_t rows, int64_t cols);
// The per-weight cost for long rows: code bits as packed (3.2 for int3),
// plus scale and zero bits over the group. Per-channel formats count only the
// codes (their scale cost vanishes with the row length).
double nominal_bits_per_weight(QuantFormat f);

// Throws ConfigError naming `what` (a tensor) when a [rows, cols] matrix
// cannot be stored in format f: cols not a multiple of the group size or of
// kRowMultiple.
void check_shape(QuantFormat f, int64_t rows, int64_t cols, std::string_view what);

}  // namespace slimlm::quant
