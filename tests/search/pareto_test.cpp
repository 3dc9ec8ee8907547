#include "slimlm/search/pareto.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "slimlm/search/objective.h"

namespace slimlm::search {
namespace {

using P = std::vector<double>;

TEST(Pareto, Dominance) {
  EXPECT_TRUE(dominates(P{1, 2}, P{2, 2}));
  EXPECT_TRUE(dominates(P{1, 1}, P{2, 2}));
  EXPECT_FALSE(dominates(P{2, 2}, P{1, 2}));
  EXPECT_FALSE(dominates(P{2, 2}, P{2, 2}));  // equal: neither
  EXPECT_FALSE(dominates(P{1, 3}, P{2, 2}));  // a trade-off: neither
  EXPECT_FALSE(dominates(P{2, 2}, P{1, 3}));
  EXPECT_TRUE(dominates(P{0, 0, 0}, P{0, 0, 1e-12}));
  EXPECT_THROW(dominates(P{1, 2}, P{1, 2, 3}), Error);
}

TEST(Pareto, ConstrainedDominance) {
  // A feasible point beats an infeasible one whatever the objectives.
  EXPECT_TRUE(constrained_dominates(P{9, 9}, 0.0, P{0, 0}, 0.5));
  EXPECT_FALSE(constrained_dominates(P{0, 0}, 0.5, P{9, 9}, 0.0));
  // Between infeasible ones the smaller violation wins; equal: neither.
  EXPECT_TRUE(constrained_dominates(P{9, 9}, 0.1, P{0, 0}, 0.2));
  EXPECT_FALSE(constrained_dominates(P{0, 0}, 0.2, P{9, 9}, 0.1));
  EXPECT_FALSE(constrained_dominates(P{0, 0}, 0.2, P{9, 9}, 0.2));
  // Between feasible ones: plain dominance.
  EXPECT_TRUE(constrained_dominates(P{1, 1}, 0.0, P{2, 2}, 0.0));
  EXPECT_FALSE(constrained_dominates(P{1, 3}, 0.0, P{2, 2}, 0.0));
}

TEST(Pareto, NonDominatedSortHandMadeSet) {
  const std::vector<P> pts = {
      {1, 5},  // 0  front 0
      {2, 3},  // 1  front 0
      {4, 1},  // 2  front 0
      {3, 4},  // 3  front 1 (beaten by 1)
      {5, 2},  // 4  front 1 (beaten by 2)
      {4, 5},  // 5  front 2 (beaten by 3)
      {2, 3},  // 6  front 0 (a duplicate of 1: neither beats the other)
      {6, 6},  // 7  front 3 (beaten by 5)
  };
  const auto fronts = non_dominated_sort(pts);
  ASSERT_EQ(fronts.size(), 4u);
  EXPECT_EQ(fronts[0], (std::vector<size_t>{0, 1, 2, 6}));
  EXPECT_EQ(fronts[1], (std::vector<size_t>{3, 4}));
  EXPECT_EQ(fronts[2], (std::vector<size_t>{5}));
  EXPECT_EQ(fronts[3], (std::vector<size_t>{7}));
  EXPECT_EQ(pareto_front(pts), (std::vector<size_t>{0, 1, 2, 6}));
  EXPECT_TRUE(non_dominated_sort(std::vector<P>{}).empty());
}

TEST(Pareto, NonDominatedSortWithViolations) {
  const std::vector<P> pts = {{1, 1}, {2, 2}, {3, 3}, {0, 0}, {0, 5}};
  // 0 and 3 infeasible (0.5 and 0.2), the others feasible.
  const std::vector<double> v = {0.5, 0, 0, 0.2, 0};
  const auto fronts = non_dominated_sort(pts, v);
  ASSERT_EQ(fronts.size(), 4u);
  EXPECT_EQ(fronts[0], (std::vector<size_t>{1, 4}));  // (2,2) and (0,5) trade off
  EXPECT_EQ(fronts[1], (std::vector<size_t>{2}));
  EXPECT_EQ(fronts[2], (std::vector<size_t>{3}));  // smaller violation first
  EXPECT_EQ(fronts[3], (std::vector<size_t>{0}));
  EXPECT_EQ(pareto_front(pts, v), (std::vector<size_t>{1, 4}));
  EXPECT_THROW(non_dominated_sort(pts, std::vector<double>{0, 0}), Error);
}

TEST(Pareto, CrowdingDistanceByHand) {
  // A(0,10) B(1,6) C(3,3) D(10,0); both ranges are 10.
  // B: f1 gap (3 - 0) / 10 + f2 gap (10 - 3) / 10 = 0.3 + 0.7 = 1.0
  // C: f1 gap (10 - 1) / 10 + f2 gap (6 - 0) / 10 = 0.9 + 0.6 = 1.5
  const std::vector<P> pts = {{99, 99}, {0, 10}, {1, 6}, {3, 3}, {10, 0}};
  const std::vector<size_t> front = {1, 2, 3, 4};
  const auto d = crowding_distance(pts, front);
  ASSERT_EQ(d.size(), 4u);
  EXPECT_TRUE(std::isinf(d[0]));
  EXPECT_NEAR(d[1], 1.0, 1e-15);
  EXPECT_NEAR(d[2], 1.5, 1e-15);
  EXPECT_TRUE(std::isinf(d[3]));
  // Two points or fewer: all boundary.
  const auto two = crowding_distance(pts, std::vector<size_t>{1, 2});
  EXPECT_TRUE(std::isinf(two[0]) && std::isinf(two[1]));
}

TEST(Pareto, CrowdingIgnoresAFlatObjective) {
  // f2 constant: only f1 separates; middle points (2 - 0) / 4 and (4 - 1) / 4.
  const std::vector<P> pts = {{0, 1}, {1, 1}, {2, 1}, {4, 1}};
  const auto d = crowding_distance(pts, std::vector<size_t>{0, 1, 2, 3});
  EXPECT_NEAR(d[1], 0.5, 1e-15);
  EXPECT_NEAR(d[2], 0.75, 1e-15);
  EXPECT_TRUE(std::isinf(d[0]) && std::isinf(d[3]));
}

TEST(Objective, DirectionsAndMinimizationForm) {
  EXPECT_EQ(direction_from_string("minimize"), Direction::kMinimize);
  EXPECT_EQ(direction_from_string("min"), Direction::kMinimize);
  EXPECT_EQ(direction_from_string("maximize"), Direction::kMaximize);
  EXPECT_EQ(direction_from_string("max"), Direction::kMaximize);
  EXPECT_FALSE(direction_from_string("up").has_value());
  EXPECT_EQ(to_string(Direction::kMaximize), "maximize");
  EXPECT_EQ(static_cast<int>(Direction::kMaximize), 1);
  const std::vector<Objective> obj = {{"bytes", Direction::kMinimize}, {"accuracy", Direction::kMaximize}};
  EXPECT_EQ(to_minimization(std::vector<double>{100, 0.75}, obj), (std::vector<double>{100, -0.75}));
  EXPECT_EQ(from_minimization(-0.75, obj[1]), 0.75);
  EXPECT_THROW(to_minimization(std::vector<double>{1}, obj), Error);
}

}  // namespace
}  // namespace slimlm::search
