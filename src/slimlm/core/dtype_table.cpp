// The dtype traits table: declarative data, kept apart from logic.
#include "slimlm/core/dtype.h"

#include <array>

namespace slimlm::detail {

// clang-format off
extern const std::array<DTypeTraits, 15> kDTypeTable = {{
  //  id               name      st name    blk  bytes float  signed
  {DType::kF32,    "f32",     "F32",     1,   4,  true,  true},
  {DType::kF16,    "f16",     "F16",     1,   2,  true,  true},
  {DType::kBF16,   "bf16",    "BF16",    1,   2,  true,  true},
  {DType::kI8,     "i8",      "I8",      1,   1,  false, true},
  {DType::kU8,     "u8",      "U8",      1,   1,  false, false},
  {DType::kI16,    "i16",     "I16",     1,   2,  false, true},
  {DType::kI32,    "i32",     "I32",     1,   4,  false, true},
  {DType::kI64,    "i64",     "I64",     1,   8,  false, true},
  {DType::kBool,   "bool",    "BOOL",    1,   1,  false, false},
  {DType::kF64,    "f64",     "F64",     1,   8,  true,  true},
  {DType::kU16,    "u16",     "U16",     1,   2,  false, false},
  {DType::kU32,    "u32",     "U32",     1,   4,  false, false},
  {DType::kU64,    "u64",     "U64",     1,   8,  false, false},
  {DType::kF8E4M3, "f8_e4m3", "F8_E4M3", 1,   1,  true,  true},
  {DType::kF8E5M2, "f8_e5m2", "F8_E5M2", 1,   1,  true,  true},
}};
// clang-format on

}  // namespace slimlm::detail
