#include "slimlm/kernels/cpu/attention.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "slimlm/kernels/cpu/rms_norm.h"
#include "slimlm/kernels/ref/reference_ops.h"

namespace slimlm::kernels {
namespace {

std::vector<float> random_vector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

struct Case {
  int64_t T, H, Hkv, D, window;
};

// All heads of a [T, H, D] sequence through the per-head kernel, queries
// split into blocks of `q_block` the way Model::score splits them.
std::vector<float> run_kernel(const Case& c, const std::vector<float>& q,
                              const std::vector<float>& k, const std::vector<float>& v,
                              int64_t q_block) {
  std::vector<float> out(static_cast<size_t>(c.T * c.H * c.D), -1.f);
  std::vector<float> scratch(static_cast<size_t>(attention_scratch_floats(c.T, c.T)));
  const int64_t G = c.H / c.Hkv;
  for (int64_t h = 0; h < c.H; ++h) {
    for (int64_t i0 = 0; i0 < c.T; i0 += q_block) {
      const int64_t i1 = std::min(c.T, i0 + q_block);
      AttentionHead a;
      a.q = q.data() + i0 * c.H * c.D + h * c.D;
      a.k = k.data() + (h / G) * c.D;
      a.v = v.data() + (h / G) * c.D;
      a.out = out.data() + i0 * c.H * c.D + h * c.D;
      a.q_stride = a.out_stride = c.H * c.D;
      a.k_stride = a.v_stride = c.Hkv * c.D;
      a.n_q = i1 - i0;
      a.n_kv = i1;
      a.head_dim = c.D;
      a.window = c.window;
      a.scale = static_cast<float>(1.0 / std::sqrt(double(c.D)));
      attention_head_f32(a, scratch.data());
    }
  }
  return out;
}

TEST(Attention, MatchesReferenceCausalGqaAndWindow) {
  const Case cases[] = {
      {1, 2, 1, 8, 0},     {5, 4, 2, 16, 0},   {70, 4, 2, 32, 0},  {130, 8, 2, 64, 0},
      {130, 4, 4, 32, 17}, {65, 6, 3, 8, 64},  {200, 2, 1, 16, 1},
  };
  for (const Case& c : cases) {
    auto q = random_vector(static_cast<size_t>(c.T * c.H * c.D), 1);
    auto k = random_vector(static_cast<size_t>(c.T * c.Hkv * c.D), 2);
    auto v = random_vector(static_cast<size_t>(c.T * c.Hkv * c.D), 3);
    std::vector<float> want(q.size());
    ref::attention(q.data(), k.data(), v.data(), want.data(), c.T, c.H, c.Hkv, c.D, c.window);
    for (int64_t q_block : {c.T, int64_t{1}, int64_t{37}}) {
      const auto got = run_kernel(c, q, k, v, q_block);
      SCOPED_TRACE(::testing::Message() << "T=" << c.T << " H=" << c.H << " Hkv=" << c.Hkv
                                        << " D=" << c.D << " window=" << c.window
                                        << " q_block=" << q_block);
      for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], want[i], 2e-5) << "at " << i;
    }
  }
}

TEST(Attention, ReferenceKnownValues) {
  // D = 1 (scale 1), q = 1: token 1 weighs key scores 0 and ln 3 as 1 : 3.
  const std::vector<float> q = {1.f, 1.f}, k = {0.f, std::log(3.f)}, v = {4.f, 8.f};
  std::vector<float> out(2);
  ref::attention(q.data(), k.data(), v.data(), out.data(), 2, 1, 1, 1, 0);
  EXPECT_FLOAT_EQ(out[0], 4.f);
  EXPECT_NEAR(out[1], 0.25 * 4 + 0.75 * 8, 1e-6);
  ref::attention(q.data(), k.data(), v.data(), out.data(), 2, 1, 1, 1, 1);
  EXPECT_FLOAT_EQ(out[1], 8.f);  // window 1: only itself
}

TEST(Attention, WindowOfOneReturnsOwnValue) {
  // Each query sees only itself: softmax of one score is 1, the output is v.
  const Case c{9, 2, 1, 4, 1};
  auto q = random_vector(static_cast<size_t>(c.T * c.H * c.D), 4);
  auto k = random_vector(static_cast<size_t>(c.T * c.Hkv * c.D), 5);
  auto v = random_vector(static_cast<size_t>(c.T * c.Hkv * c.D), 6);
  const auto out = run_kernel(c, q, k, v, c.T);
  for (int64_t t = 0; t < c.T; ++t) {
    for (int64_t h = 0; h < c.H; ++h) {
      for (int64_t d = 0; d < c.D; ++d) {
        EXPECT_FLOAT_EQ(out[(t * c.H + h) * c.D + d], v[t * c.D + d]);
      }
    }
  }
}

TEST(RmsNorm, FastMatchesReference) {
  for (int64_t C : {1, 15, 16, 17, 256, 1000}) {
    const int64_t M = 70;
    auto x = random_vector(static_cast<size_t>(M * C), 7);
    auto w = random_vector(static_cast<size_t>(C), 8);
    std::vector<float> got(x.size()), want(x.size());
    rms_norm_f32(x.data(), w.data(), got.data(), M, C, 1e-5f);
    ref::rms_norm(x.data(), w.data(), want.data(), M, C, 1e-5f);
    for (size_t i = 0; i < got.size(); ++i) {
      ASSERT_NEAR(got[i], want[i], 2e-6 * (1 + std::fabs(want[i]))) << "C=" << C << " i=" << i;
    }
    // In place, as the model may call it.
    rms_norm_f32(x.data(), w.data(), x.data(), M, C, 1e-5f);
    EXPECT_EQ(x, got);
  }
}

}  // namespace
}  // namespace slimlm::kernels
