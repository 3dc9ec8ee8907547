#include "slimlm/quant/format.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "slimlm/core/error.h"

namespace slimlm::quant {
namespace {

using ::testing::HasSubstr;

TEST(FormatTable, IdsAndNamesAreUniqueAndRoundTrip) {
  std::set<int> ids;
  std::set<std::string_view> names;
  for (const auto& t : all_formats()) {
    EXPECT_TRUE(ids.insert(static_cast<int>(t.id)).second) << t.name;
    EXPECT_TRUE(names.insert(t.name).second) << t.name;
    EXPECT_GE(static_cast<int>(t.id), 64) << "packed formats live in DType's range 64+";
    EXPECT_EQ(format_from_string(t.name), t.id);
    EXPECT_EQ(to_string(t.id), t.name);
    EXPECT_EQ(t.codes_per_word, 32 / t.bits) << t.name;
    EXPECT_EQ(t.zero_bits, t.symmetric ? 0 : t.bits) << t.name;
  }
  EXPECT_EQ(all_formats().size(), 27u);
  EXPECT_FALSE(format_from_string("int5_g128").has_value());
  EXPECT_THAT(format_list(), HasSubstr("int4_g128_asym"));
}

TEST(FormatTable, PersistedIdsNeverChange) {
  EXPECT_EQ(static_cast<int>(QuantFormat::kInt8), 64);
  EXPECT_EQ(static_cast<int>(QuantFormat::kNf4), 66);
  EXPECT_EQ(static_cast<int>(QuantFormat::kInt4G128), 71);
  EXPECT_EQ(static_cast<int>(QuantFormat::kInt2Asym), 90);
}

TEST(FormatTable, FindUniform) {
  EXPECT_EQ(find_uniform_format(4, 128, true), QuantFormat::kInt4G128);
  EXPECT_EQ(find_uniform_format(3, 64, false), QuantFormat::kInt3G64Asym);
  EXPECT_EQ(find_uniform_format(8, 0, true), QuantFormat::kInt8);
  EXPECT_EQ(find_uniform_format(2, 0, false), QuantFormat::kInt2Asym);
  EXPECT_FALSE(find_uniform_format(4, 256, true).has_value());
  EXPECT_FALSE(find_uniform_format(5, 128, true).has_value());
}

TEST(FormatTable, NominalBitsPerWeightCountScalesZerosAndPadding) {
  EXPECT_DOUBLE_EQ(nominal_bits_per_weight(QuantFormat::kInt8), 8.0);
  EXPECT_DOUBLE_EQ(nominal_bits_per_weight(QuantFormat::kInt4G128), 4.0 + 16.0 / 128);
  EXPECT_DOUBLE_EQ(nominal_bits_per_weight(QuantFormat::kInt4G128Asym), 4.0 + 20.0 / 128);
  EXPECT_DOUBLE_EQ(nominal_bits_per_weight(QuantFormat::kInt4G32), 4.5);
  EXPECT_DOUBLE_EQ(nominal_bits_per_weight(QuantFormat::kInt3G128), 3.2 + 16.0 / 128);
  EXPECT_DOUBLE_EQ(nominal_bits_per_weight(QuantFormat::kInt2G64Asym), 2.0 + 18.0 / 64);
  EXPECT_DOUBLE_EQ(nominal_bits_per_weight(QuantFormat::kNf4), 4.0 + 32.0 / 64);
}

TEST(FormatTable, StorageBytesAreExact) {
  // int4 g128 on 4096 x 4096: 8 codes a word, one f16 scale per 128.
  EXPECT_EQ(storage_bytes(QuantFormat::kInt4G128, 4096, 4096),
            4096ull * 512 * 4 + 4096ull * 32 * 2);
  // Asymmetric: zero points packed 8 to a word down the rows (11 rows -> 2 words).
  EXPECT_EQ(storage_bytes(QuantFormat::kInt4G64Asym, 11, 128), 11ull * 16 * 4 + 11ull * 2 * 2 + 2ull * 2 * 4);
  // int3: 10 codes a word, a row of 96 needs 10 words (the last one 6/10 used).
  EXPECT_EQ(storage_bytes(QuantFormat::kInt3, 3, 96), 3ull * 10 * 4 + 3ull * 2);
  EXPECT_EQ(storage_bytes(QuantFormat::kNf4, 2, 128), 2ull * 16 * 4 + 2ull * 2 * 4);
  EXPECT_DOUBLE_EQ(bits_per_weight(QuantFormat::kInt8, 4, 64), 8.0 + 16.0 / 64);
}

TEST(FormatTable, CheckShapeNamesTheTensor) {
  EXPECT_NO_THROW(check_shape(QuantFormat::kInt4G128, 3, 256, "w"));
  try {
    check_shape(QuantFormat::kInt4G128, 3, 320, "model.layers.0.mlp.down_proj.weight");
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("model.layers.0.mlp.down_proj.weight"));
    EXPECT_THAT(e.what(), HasSubstr("group size 128"));
  }
  EXPECT_THROW(check_shape(QuantFormat::kInt8, 3, 100, "w"), ConfigError);  // not a multiple of 32
  EXPECT_THROW(check_shape(QuantFormat::kInt8, 0, 64, "w"), ConfigError);
}

}  // namespace
}  // namespace slimlm::quant
