// convert() between dtypes: integers, bool, f64, f8, pairs through f32, the
// parallel path, and the pairs it refuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "float_bits.h"
#include "slimlm/core/convert.h"
#include "slimlm/core/dtype.h"
#include "slimlm/core/error.h"

namespace slimlm {
namespace {

template <class Out, class In>
std::vector<Out> conv(const std::vector<In>& in, DType from, DType to) {
  std::vector<Out> out(in.size());
  convert(in.data(), from, out.data(), to, in.size());
  return out;
}

TEST(ConvertDType, EveryPlainDTypeRoundTripsSmallIntegersThroughF32) {
  // Exact in every dtype, the 8-bit floats included.
  const std::vector<float> values = {0, 1, 2, 3, 7, 12, 96};
  for (const DTypeTraits& t : all_dtypes()) {
    if (t.id == DType::kF32) continue;
    std::vector<uint8_t> buf(dtype_bytes(t.id, values.size()));
    convert(values.data(), DType::kF32, buf.data(), t.id, values.size());
    std::vector<float> back(values.size());
    convert(buf.data(), t.id, back.data(), DType::kF32, values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      const float want = t.id == DType::kBool ? (values[i] != 0) : values[i];
      EXPECT_EQ(back[i], want) << t.name << " value " << values[i];
    }
  }
}

TEST(ConvertDType, FloatToIntegerTruncatesAndSaturates) {
  const std::vector<float> in = {3.9f, -3.9f, 200.7f, -300.0f, NAN, -0.5f, 1e30f, -1e30f};
  EXPECT_EQ((conv<int8_t>(in, DType::kF32, DType::kI8)),
            (std::vector<int8_t>{3, -3, 127, -128, 0, 0, 127, -128}));
  EXPECT_EQ((conv<uint8_t>(in, DType::kF32, DType::kU8)),
            (std::vector<uint8_t>{3, 0, 200, 0, 0, 0, 255, 0}));
  EXPECT_EQ((conv<int16_t>(in, DType::kF32, DType::kI16)),
            (std::vector<int16_t>{3, -3, 200, -300, 0, 0, 32767, -32768}));
  EXPECT_EQ((conv<uint16_t>(in, DType::kF32, DType::kU16)),
            (std::vector<uint16_t>{3, 0, 200, 0, 0, 0, 65535, 0}));
  constexpr auto i32max = std::numeric_limits<int32_t>::max();
  constexpr auto i32min = std::numeric_limits<int32_t>::min();
  EXPECT_EQ((conv<int32_t>(in, DType::kF32, DType::kI32)),
            (std::vector<int32_t>{3, -3, 200, -300, 0, 0, i32max, i32min}));
  EXPECT_EQ((conv<uint32_t>(in, DType::kF32, DType::kU32)),
            (std::vector<uint32_t>{3, 0, 200, 0, 0, 0, 0xffffffffu, 0}));
  constexpr auto i64max = std::numeric_limits<int64_t>::max();
  constexpr auto i64min = std::numeric_limits<int64_t>::min();
  EXPECT_EQ((conv<int64_t>(in, DType::kF32, DType::kI64)),
            (std::vector<int64_t>{3, -3, 200, -300, 0, 0, i64max, i64min}));
  EXPECT_EQ((conv<uint64_t>(in, DType::kF32, DType::kU64)),
            (std::vector<uint64_t>{3, 0, 200, 0, 0, 0, std::numeric_limits<uint64_t>::max(), 0}));
  // The edges of i32: the largest float below 2^31 fits, 2^31 saturates.
  const std::vector<float> edge = {2147483520.0f, 2147483648.0f, -2147483648.0f};
  EXPECT_EQ((conv<int32_t>(edge, DType::kF32, DType::kI32)),
            (std::vector<int32_t>{2147483520, i32max, i32min}));
}

TEST(ConvertDType, IntegerToFloatRoundsToNearest) {
  const std::vector<int32_t> i32 = {16777217, -16777219, 123};
  EXPECT_EQ((conv<float>(i32, DType::kI32, DType::kF32)),
            (std::vector<float>{16777216.0f, -16777220.0f, 123.0f}));
  const std::vector<uint64_t> u64 = {std::numeric_limits<uint64_t>::max(), 1};
  EXPECT_EQ((conv<float>(u64, DType::kU64, DType::kF32)),
            (std::vector<float>{18446744073709551616.0f, 1.0f}));
  const std::vector<int8_t> i8 = {-128, 127};
  EXPECT_EQ((conv<float>(i8, DType::kI8, DType::kF32)), (std::vector<float>{-128.0f, 127.0f}));
}

TEST(ConvertDType, Bool) {
  const std::vector<float> in = {0.0f, -0.0f, 2.5f, NAN, -1.0f};
  EXPECT_EQ((conv<uint8_t>(in, DType::kF32, DType::kBool)), (std::vector<uint8_t>{0, 0, 1, 1, 1}));
  const std::vector<uint8_t> b = {0, 1, 7};
  EXPECT_EQ((conv<float>(b, DType::kBool, DType::kF32)), (std::vector<float>{0, 1, 1}));
}

TEST(ConvertDType, F64) {
  const std::vector<double> d = {0.1, 1e300, -1e-300, 3.0};
  const auto f = conv<float>(d, DType::kF64, DType::kF32);
  EXPECT_EQ(f[0], 0.1f);
  EXPECT_EQ(f[1], INFINITY);
  EXPECT_EQ(test::bits(f[2]), 0x80000000u);
  EXPECT_EQ(f[3], 3.0f);
  EXPECT_EQ((conv<double>(std::vector<float>{0.1f}, DType::kF32, DType::kF64))[0],
            static_cast<double>(0.1f));
}

TEST(ConvertDType, PairsThroughF32RoundOnce) {
  // f16 -> bf16: 65504 = 0x477fe000 rounds up to 0x4780; 2^-24 is exact.
  const std::vector<uint16_t> h = {0x3c00, 0x7bff, 0x0001, 0xfc00};
  EXPECT_EQ((conv<uint16_t>(h, DType::kF16, DType::kBF16)),
            (std::vector<uint16_t>{0x3f80, 0x4780, 0x3380, 0xff80}));
  // i16 -> i8 saturates; u8 -> f16 is exact.
  const std::vector<int16_t> i16 = {300, -300, 5};
  EXPECT_EQ((conv<int8_t>(i16, DType::kI16, DType::kI8)), (std::vector<int8_t>{127, -128, 5}));
  const std::vector<uint8_t> u8 = {255, 0};
  EXPECT_EQ((conv<uint16_t>(u8, DType::kU8, DType::kF16)), (std::vector<uint16_t>{0x5bf8, 0}));
  // e4m3 -> f16 is exact.
  const std::vector<uint8_t> e4 = {0x7e, 0x01};
  EXPECT_EQ((conv<uint16_t>(e4, DType::kF8E4M3, DType::kF16)),
            (std::vector<uint16_t>{0x5f00, 0x1800}));
}

TEST(ConvertDType, RefusesPairsThatWouldRoundTwice) {
  std::vector<uint8_t> src(64), dst(64);
  EXPECT_THROW(convert(src.data(), DType::kI32, dst.data(), DType::kF16, 4), UnsupportedError);
  EXPECT_THROW(convert(src.data(), DType::kF64, dst.data(), DType::kBF16, 4), UnsupportedError);
  EXPECT_THROW(convert(src.data(), DType::kI64, dst.data(), DType::kI32, 4), UnsupportedError);
  try {
    convert(src.data(), DType::kU64, dst.data(), DType::kI8, 4);
    FAIL() << "expected UnsupportedError";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("u64 to i8"), std::string::npos) << e.what();
  }
  EXPECT_THROW(convert(src.data(), static_cast<DType>(64), dst.data(), DType::kF32, 4),
               UnsupportedError);
}

TEST(ConvertDType, SameDTypeIsABitExactCopy) {
  const std::vector<int64_t> in = {(int64_t{1} << 53) + 1, -1, std::numeric_limits<int64_t>::min()};
  EXPECT_EQ((conv<int64_t>(in, DType::kI64, DType::kI64)), in);
  const std::vector<uint32_t> nan_bits = {0x7f800001, 0xffffffff};
  EXPECT_EQ((conv<uint32_t>(nan_bits, DType::kF32, DType::kF32)), nan_bits);
}

TEST(ConvertDType, LargeArraysTakeTheParallelPathAndMatch) {
  const size_t n = (size_t{1} << 20) + 13;
  std::vector<float> in(n);
  for (size_t i = 0; i < n; ++i) in[i] = static_cast<float>(i) * 0.37f - 1000.0f;
  std::vector<uint16_t> got(n), want(n);
  convert(in.data(), DType::kF32, got.data(), DType::kBF16, n);
  for (size_t i = 0; i < n; ++i) want[i] = f32_to_bf16(in[i]);
  EXPECT_EQ(got, want);
  std::vector<int8_t> i8(n);
  convert(got.data(), DType::kBF16, i8.data(), DType::kI8, n);
  for (size_t i = 0; i < n; i += 4099) {
    const float v = std::trunc(bf16_to_f32(got[i]));
    EXPECT_EQ(i8[i], static_cast<int8_t>(std::clamp(v, -128.0f, 127.0f))) << i;
  }
}

TEST(ConvertDType, ZeroElementsTouchNothing) {
  convert(nullptr, DType::kF32, nullptr, DType::kBF16, 0);
  convert(nullptr, DType::kI8, nullptr, DType::kI8, 0);
}

}  // namespace
}  // namespace slimlm
