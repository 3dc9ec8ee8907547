#include <gtest/gtest.h>

#include <limits>
#include <set>
#include <string>

#include "slimlm/core/dtype.h"
#include "slimlm/core/error.h"

namespace slimlm {
namespace {

TEST(DType, IdsAreStable) {
  // Persisted in files and the registry: these numbers must never change.
  EXPECT_EQ(static_cast<int>(DType::kF32), 0);
  EXPECT_EQ(static_cast<int>(DType::kF16), 1);
  EXPECT_EQ(static_cast<int>(DType::kBF16), 2);
  EXPECT_EQ(static_cast<int>(DType::kI8), 3);
  EXPECT_EQ(static_cast<int>(DType::kU8), 4);
  EXPECT_EQ(static_cast<int>(DType::kI16), 5);
  EXPECT_EQ(static_cast<int>(DType::kI32), 6);
  EXPECT_EQ(static_cast<int>(DType::kI64), 7);
  EXPECT_EQ(static_cast<int>(DType::kBool), 8);
  EXPECT_EQ(static_cast<int>(DType::kF64), 9);
  EXPECT_EQ(static_cast<int>(DType::kU16), 10);
  EXPECT_EQ(static_cast<int>(DType::kU32), 11);
  EXPECT_EQ(static_cast<int>(DType::kU64), 12);
  EXPECT_EQ(static_cast<int>(DType::kF8E4M3), 13);
  EXPECT_EQ(static_cast<int>(DType::kF8E5M2), 14);
}

TEST(DType, TableIsConsistent) {
  std::set<int> ids;
  std::set<std::string> names;
  for (const DTypeTraits& t : all_dtypes()) {
    EXPECT_TRUE(ids.insert(static_cast<int>(t.id)).second) << t.name;
    EXPECT_TRUE(names.insert(std::string(t.name)).second) << t.name;
    EXPECT_EQ(&dtype_traits(t.id), &t);
    EXPECT_EQ(t.block_elems, 1u) << t.name;
  }
  EXPECT_EQ(all_dtypes().size(), 15u);
  EXPECT_EQ(dtype_traits(DType::kBF16).block_bytes, 2u);
  EXPECT_EQ(dtype_traits(DType::kF64).block_bytes, 8u);
  EXPECT_TRUE(dtype_traits(DType::kF8E4M3).is_float);
  EXPECT_FALSE(dtype_traits(DType::kU32).is_signed);
}

TEST(DType, NamesRoundTrip) {
  for (const DTypeTraits& t : all_dtypes()) {
    EXPECT_EQ(dtype_from_string(to_string(t.id)), t.id) << t.name;
    EXPECT_EQ(dtype_from_string(t.safetensors_name), t.id) << t.name;
    EXPECT_EQ(dtype_from_safetensors(t.safetensors_name), t.id) << t.name;
  }
  EXPECT_EQ(to_string(DType::kBF16), "bf16");
  EXPECT_EQ(dtype_from_safetensors("F8_E4M3"), DType::kF8E4M3);
  EXPECT_EQ(dtype_from_string("float32"), std::nullopt);
  EXPECT_EQ(dtype_from_safetensors("bf16"), std::nullopt);  // safetensors names are upper case
  EXPECT_EQ(dtype_from_string(""), std::nullopt);
}

TEST(DType, UnknownIdThrows) {
  EXPECT_THROW(dtype_traits(static_cast<DType>(63)), UnsupportedError);
  EXPECT_THROW(to_string(static_cast<DType>(200)), UnsupportedError);
}

TEST(DType, Bytes) {
  EXPECT_EQ(dtype_bytes(DType::kF32, 10), 40u);
  EXPECT_EQ(dtype_bytes(DType::kBF16, 4096ull * 11008), 90177536u);
  EXPECT_EQ(dtype_bytes(DType::kI8, 0), 0u);
  EXPECT_THROW(dtype_bytes(DType::kF64, uint64_t{1} << 62), FormatError);
  EXPECT_THROW(dtype_bytes(DType::kF32, std::numeric_limits<uint64_t>::max()), FormatError);
  EXPECT_EQ(dtype_bytes(DType::kU8, std::numeric_limits<uint64_t>::max()),
            std::numeric_limits<size_t>::max());
}

}  // namespace
}  // namespace slimlm
