#include "slimlm/kernels/ref/reference_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace slimlm::kernels::ref {
namespace {

TEST(RmsNorm, NormalisesEachRowAndScales) {
  // Row [3, 4]: mean square 12.5, so x / sqrt(12.5 + eps) then times weight.
  const std::vector<float> x = {3.f, 4.f, -1.f, 1.f};
  const std::vector<float> w = {2.f, 0.5f};
  std::vector<float> out(4);
  rms_norm(x.data(), w.data(), out.data(), 2, 2, 1e-6f);
  const double r0 = 1.0 / std::sqrt(12.5 + 1e-6), r1 = 1.0 / std::sqrt(1.0 + 1e-6);
  EXPECT_NEAR(out[0], 2 * 3 * r0, 1e-6);
  EXPECT_NEAR(out[1], 0.5 * 4 * r0, 1e-6);
  EXPECT_NEAR(out[2], 2 * -1 * r1, 1e-6);
  EXPECT_NEAR(out[3], 0.5 * 1 * r1, 1e-6);
}

TEST(Rope, RotatesPairsHalfApart) {
  // head_dim 4: pairs (0,2) and (1,3); inv_freq {1, 0.5}; position 2.
  std::vector<float> x = {1.f, 0.f, 0.f, 1.f};
  const std::vector<float> inv_freq = {1.f, 0.5f};
  const int32_t pos = 2;
  rope(x.data(), &pos, inv_freq.data(), 1, 1, 4);
  EXPECT_NEAR(x[0], std::cos(2.0), 1e-6);   // a*cos - b*sin with a=1, b=0
  EXPECT_NEAR(x[2], std::sin(2.0), 1e-6);   // b*cos + a*sin
  EXPECT_NEAR(x[1], -std::sin(1.0), 1e-6);  // a=0, b=1, angle 1
  EXPECT_NEAR(x[3], std::cos(1.0), 1e-6);
}

TEST(Rope, PositionZeroIsIdentity) {
  std::vector<float> x = {0.3f, -1.f, 2.f, 5.f, 1.f, 1.f, 1.f, 1.f};
  const auto before = x;
  const std::vector<float> inv_freq = {1.f, 0.1f};
  const int32_t pos = 0;
  rope(x.data(), &pos, inv_freq.data(), 1, 2, 4);
  EXPECT_EQ(x, before);
}

TEST(Softmax, RowsSumToOneAndAreShiftInvariant) {
  std::vector<float> a = {1.f, 2.f, 3.f, 1000.f, 1001.f, 1002.f};
  softmax(a.data(), 2, 3);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(a[i], a[i + 3], 1e-7);
  EXPECT_NEAR(a[0] + a[1] + a[2], 1.0, 1e-6);
  EXPECT_NEAR(a[2] / a[1], std::exp(1.0), 1e-5);
}

TEST(SiluMul, MatchesDefinition) {
  const std::vector<float> g = {0.f, 1.f, -2.f}, u = {3.f, 2.f, 1.f};
  std::vector<float> out(3);
  silu_mul(g.data(), u.data(), out.data(), 3);
  EXPECT_FLOAT_EQ(out[0], 0.f);
  EXPECT_NEAR(out[1], 2.0 / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(out[2], -2.0 / (1.0 + std::exp(2.0)), 1e-6);
}

}  // namespace
}  // namespace slimlm::kernels::ref
