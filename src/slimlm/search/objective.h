#pragma once
// Objectives of a study: a metric and whether it is minimised or maximised.
// The Pareto utilities, the hypervolume and the samplers all work on the
// minimisation form, so maximised metrics are negated once, here.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/core/error.h"

namespace slimlm::search {

// Persisted in study configs and the registry: the strings are stable.
enum class Direction : uint8_t { kMinimize = 0, kMaximize = 1 };

inline std::string_view to_string(Direction d) {
  return d == Direction::kMaximize ? "maximize" : "minimize";
}

// "minimize" / "maximize", also "min" / "max"; nullopt otherwise (the caller
// names the file, key or line in its error).
inline std::optional<Direction> direction_from_string(std::string_view s) {
  if (s == "minimize" || s == "min") return Direction::kMinimize;
  if (s == "maximize" || s == "max") return Direction::kMaximize;
  return std::nullopt;
}

struct Objective {
  std::string metric;
  Direction direction = Direction::kMinimize;
};

// values[i] for objectives[i], as minimisation values (maximised ones negated).
inline std::vector<double> to_minimization(std::span<const double> values,
                                           std::span<const Objective> objectives) {
  if (values.size() != objectives.size()) {
    throw Error("to_minimization: " + std::to_string(values.size()) + " values for " +
                std::to_string(objectives.size()) + " objectives");
  }
  std::vector<double> out(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    out[i] = objectives[i].direction == Direction::kMaximize ? -values[i] : values[i];
  }
  return out;
}

// The inverse: a minimisation value back in the metric's own sign.
inline double from_minimization(double value, const Objective& objective) {
  return objective.direction == Direction::kMaximize ? -value : value;
}

}  // namespace slimlm::search
