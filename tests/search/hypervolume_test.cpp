#include "slimlm/search/hypervolume.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "slimlm/core/error.h"
#include "slimlm/search/rng.h"

namespace slimlm::search {
namespace {

using P = std::vector<double>;

// Inclusion–exclusion over every non-empty subset: the union of boxes
// [p, ref) has volume Σ (−1)^{|S|+1} vol(∩_{p∈S} box(p)), and the boxes of
// S intersect in the box of their componentwise maximum. Exact, 2^n terms.
double brute_force(const std::vector<P>& pts, const P& ref) {
  const size_t n = pts.size(), d = ref.size();
  double total = 0;
  for (uint32_t mask = 1; mask < (1u << n); ++mask) {
    P corner(d, -1e300);
    int bits = 0;
    for (size_t i = 0; i < n; ++i) {
      if (!(mask & (1u << i))) continue;
      ++bits;
      for (size_t k = 0; k < d; ++k) corner[k] = std::max(corner[k], pts[i][k]);
    }
    double vol = 1;
    for (size_t k = 0; k < d; ++k) vol *= std::max(ref[k] - corner[k], 0.0);
    total += (bits % 2 ? 1 : -1) * vol;
  }
  return total;
}

std::vector<P> random_points(Rng& rng, size_t n, size_t d, bool on_sphere) {
  std::vector<P> pts(n, P(d));
  for (P& p : pts) {
    double norm = 0;
    for (double& x : p) {
      x = rng.uniform();
      norm += x * x;
    }
    // On the unit sphere's positive orthant: every point non-dominated,
    // the hard case for exact algorithms.
    if (on_sphere) for (double& x : p) x /= std::sqrt(norm);
  }
  return pts;
}

TEST(Hypervolume, TwoDimensionsByHand) {
  const std::vector<P> pts = {{1, 3}, {2, 2}, {3, 1}};
  EXPECT_DOUBLE_EQ(hypervolume(pts, P{4, 4}), 6.0);
  // Dominated points, duplicates and points outside the box change nothing.
  const std::vector<P> noisy = {{1, 3}, {2, 2}, {3, 1}, {2, 2}, {3, 3}, {5, 0}, {0, 4}, {3.5, 3.5}};
  EXPECT_DOUBLE_EQ(hypervolume(noisy, P{4, 4}), 6.0);
  EXPECT_DOUBLE_EQ(hypervolume(std::vector<P>{}, P{4, 4}), 0.0);
  EXPECT_DOUBLE_EQ(hypervolume(std::vector<P>{{4, 0}}, P{4, 4}), 0.0);  // on the boundary
  EXPECT_DOUBLE_EQ(hypervolume(std::vector<P>{{1}, {3}}, P{4}), 3.0);  // 1-D
  EXPECT_THROW(hypervolume(std::vector<P>{{1, 2, 3}}, P{4, 4}), Error);
}

TEST(Hypervolume, ThreeDimensionsByHand) {
  EXPECT_DOUBLE_EQ(hypervolume(std::vector<P>{{1, 1, 1}}, P{2, 2, 2}), 1.0);
  // Boxes 2·2·1 and 1·1·2 overlapping in 1·1·1.
  EXPECT_DOUBLE_EQ(hypervolume(std::vector<P>{{0, 0, 1}, {1, 1, 0}}, P{2, 2, 2}), 5.0);
  // Three boxes of 6, pairwise overlaps of 2, all three overlap in 1: 18 − 6 + 1.
  const std::vector<P> pts = {{1, 2, 3}, {2, 3, 1}, {3, 1, 2}};
  EXPECT_DOUBLE_EQ(hypervolume(pts, P{4, 4, 4}), 13.0);
  // Each one's own part: 6 − 2 − 2 + 1 = 3.
  const auto c = hypervolume_contributions(pts, P{4, 4, 4});
  for (double x : c) EXPECT_DOUBLE_EQ(x, 3.0);
}

TEST(Hypervolume, RandomSetsMatchInclusionExclusion) {
  Rng rng(42);
  for (size_t d : {2, 3, 4, 5}) {
    for (int rep = 0; rep < 20; ++rep) {
      const size_t n = 1 + rng.below(10);
      const auto pts = random_points(rng, n, d, rep % 2 == 0);
      const P ref(d, 1.1);
      const double exact = brute_force(pts, ref);
      EXPECT_NEAR(hypervolume(pts, ref), exact, 1e-12) << "d=" << d << " n=" << n;
    }
  }
}

TEST(Hypervolume, ContributionsAreWhatEachPointAloneAdds) {
  Rng rng(7);
  for (size_t d : {2, 3, 4}) {
    for (int rep = 0; rep < 10; ++rep) {
      auto pts = random_points(rng, 8, d, rep % 2 == 0);
      pts.push_back(pts[3]);  // a duplicate: neither copy has anything of its own
      const P ref(d, 1.2);
      const double all = hypervolume(pts, ref);
      const auto c = hypervolume_contributions(pts, ref);
      ASSERT_EQ(c.size(), pts.size());
      EXPECT_EQ(c[3], 0.0);
      EXPECT_EQ(c.back(), 0.0);
      for (size_t i = 0; i < pts.size(); ++i) {
        std::vector<P> rest = pts;
        rest.erase(rest.begin() + static_cast<long>(i));
        EXPECT_NEAR(c[i], all - brute_force(rest, ref), 1e-12) << "d=" << d << " i=" << i;
      }
    }
  }
  // The 2-D staircase: three unit squares.
  const auto c = hypervolume_contributions(std::vector<P>{{1, 3}, {2, 2}, {3, 1}, {3, 3}}, P{4, 4});
  EXPECT_EQ(c, (std::vector<double>{1, 1, 1, 0}));
}

TEST(Hypervolume, LargeSetsAgreeAcrossSlicings) {
  // A few hundred non-dominated points in 3-5 objectives: permuting the
  // objectives changes every slice WFG takes but not the volume. (The time
  // is printed, not asserted: benchmarks live in bench/.)
  Rng rng(3);
  for (size_t d : {3, 4, 5}) {
    const size_t n = d == 5 ? 200 : 300;
    auto pts = random_points(rng, n, d, true);
    const P ref(d, 1.0);
    const auto t0 = std::chrono::steady_clock::now();
    const double hv = hypervolume(pts, ref);
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::printf("hypervolume n=%zu d=%zu: %.6f in %.1f ms\n", n, d, hv, ms);
    for (P& p : pts) std::rotate(p.begin(), p.begin() + 1, p.end());
    EXPECT_NEAR(hypervolume(pts, ref), hv, 1e-12);
    EXPECT_GT(hv, 0.0);
    EXPECT_LT(hv, 1.0);
  }
}

}  // namespace
}  // namespace slimlm::search
