#pragma once
// The search space of a study: named parameters, each categorical (a list of
// strings the recipe understands), integer or float (inclusive bounds,
// optionally on a step grid or log-scaled). A candidate is one double per
// parameter in order; a categorical one holds its choice index.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace slimlm::search {

struct Param {
  enum class Kind : uint8_t { kCategorical = 0, kInt = 1, kFloat = 2 };
  std::string name;
  Kind kind = Kind::kFloat;
  std::vector<std::string> choices{};  // categorical: the strings the recipe uses
  double low = 0, high = 0, step = 0;  // int/float: inclusive bounds; step > 0 = a grid
                                       // (floats); ints step 1 by default
  bool log = false;                    // sample log-uniformly (low > 0, no step > 1)
};

std::string_view to_string(Param::Kind kind);  // "categorical", "int", "float"
std::optional<Param::Kind> param_kind_from_string(std::string_view s);

using Candidate = std::vector<double>;

class SearchSpace {
 public:
  // ConfigError naming the parameter on a duplicate or empty name, empty or
  // repeated choices, low > high, non-finite bounds, a negative step, log
  // with low <= 0 or with a step grid (ints: step 1 only).
  void add(Param p);

  const std::vector<Param>& params() const { return params_; }
  size_t size() const { return params_.size(); }
  std::optional<size_t> index_of(std::string_view name) const;

  // Snaps ints and steps to their grid, clamps to the bounds, rounds
  // categoricals to a valid index. Error if c has the wrong size.
  Candidate clamp(Candidate c) const;
  // Canonical text of the snapped values ("method=gptq,bits=4,ratio=0.5"):
  // equal iff the snapped candidates are equal.
  std::string key(const Candidate& c) const;

  // {"name": "gptq" | 4 | 0.5, ...} in parameter order.
  nlohmann::ordered_json to_json(const Candidate& c) const;
  // The inverse: ConfigError naming the key that is unknown, missing, of the
  // wrong type, not a choice, out of bounds or off the grid.
  Candidate from_json(const nlohmann::json& j) const;
  // "gptq", "4", "0.5" (shortest text that reads back to the same double).
  std::string value_text(const Candidate& c, size_t i) const;

  // Number of grid points of parameter i (choices, ints, stepped floats);
  // 0 for a float without a step.
  uint64_t param_grid_size(size_t i) const;
  // The k-th grid value of parameter i (k < param_grid_size(i)).
  double grid_value(size_t i, uint64_t k) const;
  // Product of param_grid_size over parameters (saturating); 0 if some float
  // has no step; 1 for an empty space.
  uint64_t grid_size() const;

 private:
  std::vector<Param> params_;
};

}  // namespace slimlm::search
