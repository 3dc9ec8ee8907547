#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "slimlm/core/convert.h"
#include "slimlm/core/error.h"
#include "slimlm/core/tensor.h"

namespace slimlm {
namespace {

TEST(Tensor, OwningAllocationIsAlignedAndSized) {
  Tensor t = Tensor::empty(DType::kBF16, {3, 5});
  EXPECT_EQ(t.numel(), 15u);
  EXPECT_EQ(t.nbytes(), 30u);
  EXPECT_EQ(t.ndim(), 2);
  EXPECT_EQ(t.dim(-1), 5);
  EXPECT_EQ(t.dim(0), 3);
  EXPECT_THROW(t.dim(2), Error);
  EXPECT_TRUE(t.owns_memory());
  EXPECT_TRUE(t.writable());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
  EXPECT_EQ(t.describe(), "bf16[3, 5]");

  Tensor z = Tensor::zeros(DType::kI32, {4});
  for (int i = 0; i < 4; ++i) EXPECT_EQ(z.data<int32_t>()[i], 0);
  EXPECT_THROW(Tensor::empty(DType::kF32, {2, -1}), FormatError);
}

TEST(Tensor, TypedAccessChecksTheDType) {
  Tensor t = Tensor::zeros(DType::kF32, {2});
  t.mutable_data<float>()[1] = 2.5f;
  EXPECT_EQ(t.data<float>()[1], 2.5f);
  EXPECT_THROW(t.data<int32_t>(), Error);
  EXPECT_THROW(t.mutable_data<double>(), Error);
}

TEST(Tensor, ViewKeepsItsOwnerAlive) {
  std::weak_ptr<std::vector<float>> watch;
  Tensor v;
  {
    auto buf = std::make_shared<std::vector<float>>(std::vector<float>{1, 2, 3, 4, 5, 6});
    watch = buf;
    v = Tensor::view(buf->data(), DType::kF32, {2, 3}, buf);
  }
  ASSERT_FALSE(watch.expired());
  EXPECT_FALSE(v.owns_memory());
  EXPECT_EQ(v.data<float>()[5], 6.0f);
  v.mutable_data<float>()[0] = 9.0f;  // the non-const overload makes a writable view
  EXPECT_EQ((*watch.lock())[0], 9.0f);
  v = Tensor();
  EXPECT_TRUE(watch.expired());
}

TEST(Tensor, ReadOnlyViewRejectsMutableAccess) {
  static const float data[4] = {1, 2, 3, 4};
  Tensor v = Tensor::view(static_cast<const void*>(data), DType::kF32, {4}, nullptr);
  EXPECT_FALSE(v.writable());
  EXPECT_EQ(v.data<float>()[3], 4.0f);
  EXPECT_THROW(v.mutable_raw_data(), Error);
  EXPECT_THROW(v.mutable_data<float>(), Error);
  // A copy of it is writable.
  Tensor c = v.clone();
  EXPECT_TRUE(c.writable());
  c.mutable_data<float>()[0] = 7.0f;
  EXPECT_EQ(data[0], 1.0f);
}

TEST(Tensor, ReshapeSharesMemory) {
  Tensor t = Tensor::zeros(DType::kI64, {2, 6});
  Tensor r = t.reshape({3, 4});
  EXPECT_EQ(r.raw_data(), t.raw_data());
  EXPECT_EQ(r.shape(), (Shape{3, 4}));
  EXPECT_FALSE(r.owns_memory());
  r.mutable_data<int64_t>()[11] = 42;
  EXPECT_EQ(t.data<int64_t>()[11], 42);
  EXPECT_THROW(t.reshape({5, 2}), Error);
  // The reshaped tensor keeps the memory alive on its own.
  const int64_t* p = r.data<int64_t>();
  t = Tensor();
  EXPECT_EQ(p[11], 42);
}

TEST(Tensor, CloneIsADeepCopy) {
  Tensor t = Tensor::zeros(DType::kU8, {8});
  t.mutable_data<uint8_t>()[3] = 200;
  Tensor c = t.clone();
  EXPECT_NE(c.raw_data(), t.raw_data());
  EXPECT_EQ(c.data<uint8_t>()[3], 200);
  t.mutable_data<uint8_t>()[3] = 1;
  EXPECT_EQ(c.data<uint8_t>()[3], 200);
}

TEST(Tensor, ToConvertsEveryElement) {
  Tensor t = Tensor::empty(DType::kF32, {2, 2});
  float* p = t.mutable_data<float>();
  p[0] = 1.0f;
  p[1] = -2.5f;
  p[2] = 1.00390625f;  // 1 + 2^-8: halfway in bf16, rounds to 1
  p[3] = 65504.0f;
  Tensor b = t.to(DType::kBF16);
  EXPECT_EQ(b.dtype(), DType::kBF16);
  EXPECT_EQ(b.shape(), t.shape());
  const auto* bb = static_cast<const uint16_t*>(b.raw_data());
  EXPECT_EQ(bb[0], 0x3f80);
  EXPECT_EQ(bb[1], 0xc020);
  EXPECT_EQ(bb[2], 0x3f80);
  EXPECT_EQ(bb[3], 0x4780);
  Tensor h = t.to(DType::kF16);
  const auto* hh = static_cast<const uint16_t*>(h.raw_data());
  EXPECT_EQ(hh[3], 0x7bff);
  Tensor i = t.to(DType::kI32);
  EXPECT_EQ(i.data<int32_t>()[1], -2);
  Tensor back = b.to(DType::kF32);
  EXPECT_EQ(back.data<float>()[1], -2.5f);
  EXPECT_EQ(back.data<float>()[3], 65536.0f);

  Tensor same = t.to(DType::kF32);
  EXPECT_NE(same.raw_data(), t.raw_data());
  EXPECT_EQ(std::memcmp(same.raw_data(), t.raw_data(), t.nbytes()), 0);

  try {
    i.to(DType::kF16);
    FAIL() << "expected UnsupportedError";
  } catch (const UnsupportedError& e) {
    EXPECT_NE(std::string(e.what()).find("i32[2, 2]"), std::string::npos) << e.what();
  }
  EXPECT_EQ(Tensor::empty(DType::kF32, {0, 3}).to(DType::kBF16).numel(), 0u);
}

}  // namespace
}  // namespace slimlm
