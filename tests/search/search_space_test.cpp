#include "slimlm/search/search_space.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "slimlm/core/error.h"

namespace slimlm::search {
namespace {

using Kind = Param::Kind;
using ::testing::HasSubstr;

SearchSpace recipe_space() {
  SearchSpace s;
  s.add({.name = "method", .kind = Kind::kCategorical, .choices = {"rtn", "gptq", "awq"}});
  s.add({.name = "bits", .kind = Kind::kInt, .low = 2, .high = 8});
  s.add({.name = "sparsity", .kind = Kind::kFloat, .low = 0, .high = 0.5, .step = 0.1});
  s.add({.name = "group", .kind = Kind::kInt, .low = 32, .high = 256, .log = true});
  return s;
}

template <typename F>
std::string config_error(F&& f) {
  try {
    f();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

TEST(SearchSpace, RejectsBadParameters) {
  SearchSpace s = recipe_space();
  EXPECT_THAT(config_error([&] { s.add({.name = "bits", .kind = Kind::kInt, .low = 1, .high = 2}); }),
              HasSubstr("'bits' is defined twice"));
  EXPECT_THAT(config_error([&] { s.add({.name = "m", .kind = Kind::kCategorical}); }), HasSubstr("'m': no choices"));
  EXPECT_THAT(config_error([&] { s.add({.name = "c", .kind = Kind::kCategorical, .choices = {"a", "a"}}); }),
              HasSubstr("choice 'a' repeated"));
  EXPECT_THAT(config_error([&] { s.add({.name = "x", .kind = Kind::kFloat, .low = 2, .high = 1}); }),
              HasSubstr("'x': low 2 is above high 1"));
  EXPECT_THAT(config_error([&] { s.add({.name = "y", .kind = Kind::kFloat, .low = 0, .high = 1, .log = true}); }),
              HasSubstr("'y': log scale needs low > 0"));
  EXPECT_THAT(config_error([&] { s.add({.name = "z", .kind = Kind::kInt, .low = 0.5, .high = 3}); }),
              HasSubstr("'z': int bounds and step must be integers"));
  EXPECT_THAT(config_error([&] { s.add({.name = "w", .kind = Kind::kFloat, .low = 1, .high = 2, .step = 0.5, .log = true}); }),
              HasSubstr("log scale and a step grid"));
  EXPECT_EQ(s.size(), 4u);
  EXPECT_EQ(s.index_of("sparsity"), 2u);
  EXPECT_FALSE(s.index_of("nope").has_value());
}

TEST(SearchSpace, ClampSnapsToGrids) {
  const SearchSpace s = recipe_space();
  const Candidate c = s.clamp({1.6, 9.7, 0.27, 100.2});
  EXPECT_EQ(c, (Candidate{2, 8, 0.3, 100}));
  EXPECT_EQ(s.clamp({-3, 2.4, -1, 1e6}), (Candidate{0, 2, 0, 256}));
  // The grid's third step reads 0.3, not 0.30000000000000004.
  EXPECT_EQ(s.value_text(c, 2), "0.3");
  EXPECT_EQ(s.value_text(c, 0), "awq");
  EXPECT_EQ(s.value_text(c, 1), "8");
  EXPECT_EQ(s.key(c), "method=awq,bits=8,sparsity=0.3,group=100");
  // Equal keys iff equal snapped values.
  EXPECT_EQ(s.key({2.2, 7.6, 0.31, 99.8}), s.key(c));
  EXPECT_NE(s.key({2, 8, 0.4, 100}), s.key(c));
  EXPECT_THROW(s.clamp({1, 2}), Error);
  // Separators inside choices are escaped: these two must not collide.
  SearchSpace t;
  t.add({.name = "a", .kind = Kind::kCategorical, .choices = {"x,b=y", "x"}});
  t.add({.name = "b", .kind = Kind::kCategorical, .choices = {"y", "z"}});
  EXPECT_EQ(t.key({0, 1}), "a=x\\,b\\=y,b=z");
  EXPECT_NE(t.key({0, 1}), t.key({1, 0}));
}

TEST(SearchSpace, JsonRoundTripAndErrors) {
  const SearchSpace s = recipe_space();
  const Candidate c = {1, 4, 0.2, 128};
  const auto j = s.to_json(c);
  EXPECT_EQ(j.dump(), R"({"method":"gptq","bits":4,"sparsity":0.2,"group":128})");
  EXPECT_EQ(s.from_json(j), c);
  auto bad = [&](const char* text) { return config_error([&] { s.from_json(nlohmann::json::parse(text)); }); };
  EXPECT_THAT(bad(R"({"method":"gptq","bits":4,"sparsity":0.2,"group":128,"extra":1})"),
              HasSubstr("unknown parameter 'extra'"));
  EXPECT_THAT(bad(R"({"method":"gptq","bits":4,"sparsity":0.2})"), HasSubstr("'group' is missing"));
  EXPECT_THAT(bad(R"({"method":"hqq","bits":4,"sparsity":0.2,"group":128})"),
              HasSubstr("'method': 'hqq' is not one of its choices (rtn, gptq, awq)"));
  EXPECT_THAT(bad(R"({"method":"gptq","bits":4.5,"sparsity":0.2,"group":128})"), HasSubstr("'bits': 4.5 is not an integer"));
  EXPECT_THAT(bad(R"({"method":"gptq","bits":9,"sparsity":0.2,"group":128})"), HasSubstr("'bits': 9 is outside [2, 8]"));
  EXPECT_THAT(bad(R"({"method":"gptq","bits":4,"sparsity":0.25,"group":128})"), HasSubstr("'sparsity': 0.25 is not on the grid"));
  EXPECT_THAT(bad(R"({"method":"gptq","bits":"4","sparsity":0.2,"group":128})"), HasSubstr("'bits': expected an integer"));
  EXPECT_THAT(bad("[1, 2]"), HasSubstr("expected an object"));
  // A number finds the categorical choice with the same text.
  SearchSpace t;
  t.add({.name = "bits", .kind = Kind::kCategorical, .choices = {"4", "8"}});
  EXPECT_EQ(t.from_json(nlohmann::json::parse(R"({"bits": 8})")), (Candidate{1}));
}

TEST(SearchSpace, GridSizes) {
  const SearchSpace s = recipe_space();
  EXPECT_EQ(s.param_grid_size(0), 3u);
  EXPECT_EQ(s.param_grid_size(1), 7u);
  EXPECT_EQ(s.param_grid_size(2), 6u);  // 0, 0.1, ..., 0.5
  EXPECT_EQ(s.param_grid_size(3), 225u);
  EXPECT_EQ(s.grid_size(), 3u * 7u * 6u * 225u);
  EXPECT_DOUBLE_EQ(s.grid_value(2, 5), 0.5);
  SearchSpace f = s;
  f.add({.name = "alpha", .kind = Kind::kFloat, .low = 0, .high = 1});
  EXPECT_EQ(f.grid_size(), 0u);
  EXPECT_EQ(SearchSpace{}.grid_size(), 1u);
  // A step that does not divide the range: the grid stops below high.
  SearchSpace g;
  g.add({.name = "r", .kind = Kind::kFloat, .low = 0, .high = 1, .step = 0.3});
  EXPECT_EQ(g.param_grid_size(0), 4u);
  EXPECT_EQ(g.clamp({1.0}), (Candidate{0.9}));
}

}  // namespace
}  // namespace slimlm::search
