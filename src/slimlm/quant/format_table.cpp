// The quantized format traits table: declarative data, kept apart from logic.
#include <array>

#include "slimlm/quant/format.h"

namespace slimlm::quant::detail {

namespace {
constexpr DType kF16 = DType::kF16;
constexpr DType kF32 = DType::kF32;
constexpr Codebook kU = Codebook::kUniform;
using F = QuantFormat;
}  // namespace

// clang-format off
extern const std::array<FormatTraits, 27> kFormatTable = {{
  // id               name              codebook      bits group sym   scale zbits cpw summary
  {F::kInt8,          "int8",           kU,              8,   0, true,  kF16, 0,  4, "8-bit, per output channel, symmetric"},
  {F::kInt8Asym,      "int8_asym",      kU,              8,   0, false, kF16, 8,  4, "8-bit, per output channel, zero point"},
  {F::kNf4,           "nf4",            Codebook::kNf4,  4,  64, true,  kF32, 0,  8, "4-bit NormalFloat, absmax per 64 (bitsandbytes)"},
  {F::kInt4G32,       "int4_g32",       kU,              4,  32, true,  kF16, 0,  8, "4-bit, groups of 32, symmetric"},
  {F::kInt4G32Asym,   "int4_g32_asym",  kU,              4,  32, false, kF16, 4,  8, "4-bit, groups of 32, zero point"},
  {F::kInt4G64,       "int4_g64",       kU,              4,  64, true,  kF16, 0,  8, "4-bit, groups of 64, symmetric"},
  {F::kInt4G64Asym,   "int4_g64_asym",  kU,              4,  64, false, kF16, 4,  8, "4-bit, groups of 64, zero point"},
  {F::kInt4G128,      "int4_g128",      kU,              4, 128, true,  kF16, 0,  8, "4-bit, groups of 128, symmetric"},
  {F::kInt4G128Asym,  "int4_g128_asym", kU,              4, 128, false, kF16, 4,  8, "4-bit, groups of 128, zero point"},
  {F::kInt4,          "int4",           kU,              4,   0, true,  kF16, 0,  8, "4-bit, per output channel, symmetric"},
  {F::kInt4Asym,      "int4_asym",      kU,              4,   0, false, kF16, 4,  8, "4-bit, per output channel, zero point"},
  {F::kInt3G32,       "int3_g32",       kU,              3,  32, true,  kF16, 0, 10, "3-bit, groups of 32, symmetric"},
  {F::kInt3G32Asym,   "int3_g32_asym",  kU,              3,  32, false, kF16, 3, 10, "3-bit, groups of 32, zero point"},
  {F::kInt3G64,       "int3_g64",       kU,              3,  64, true,  kF16, 0, 10, "3-bit, groups of 64, symmetric"},
  {F::kInt3G64Asym,   "int3_g64_asym",  kU,              3,  64, false, kF16, 3, 10, "3-bit, groups of 64, zero point"},
  {F::kInt3G128,      "int3_g128",      kU,              3, 128, true,  kF16, 0, 10, "3-bit, groups of 128, symmetric"},
  {F::kInt3G128Asym,  "int3_g128_asym", kU,              3, 128, false, kF16, 3, 10, "3-bit, groups of 128, zero point"},
  {F::kInt3,          "int3",           kU,              3,   0, true,  kF16, 0, 10, "3-bit, per output channel, symmetric"},
  {F::kInt3Asym,      "int3_asym",      kU,              3,   0, false, kF16, 3, 10, "3-bit, per output channel, zero point"},
  {F::kInt2G32,       "int2_g32",       kU,              2,  32, true,  kF16, 0, 16, "2-bit, groups of 32, symmetric"},
  {F::kInt2G32Asym,   "int2_g32_asym",  kU,              2,  32, false, kF16, 2, 16, "2-bit, groups of 32, zero point"},
  {F::kInt2G64,       "int2_g64",       kU,              2,  64, true,  kF16, 0, 16, "2-bit, groups of 64, symmetric"},
  {F::kInt2G64Asym,   "int2_g64_asym",  kU,              2,  64, false, kF16, 2, 16, "2-bit, groups of 64, zero point"},
  {F::kInt2G128,      "int2_g128",      kU,              2, 128, true,  kF16, 0, 16, "2-bit, groups of 128, symmetric"},
  {F::kInt2G128Asym,  "int2_g128_asym", kU,              2, 128, false, kF16, 2, 16, "2-bit, groups of 128, zero point"},
  {F::kInt2,          "int2",           kU,              2,   0, true,  kF16, 0, 16, "2-bit, per output channel, symmetric"},
  {F::kInt2Asym,      "int2_asym",      kU,              2,   0, false, kF16, 2, 16, "2-bit, per output channel, zero point"},
}};
// clang-format on

}  // namespace slimlm::quant::detail
