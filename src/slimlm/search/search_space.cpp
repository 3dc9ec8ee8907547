#include "slimlm/search/search_space.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::search {
namespace {

using Kind = Param::Kind;

// Grid points are computed as low + k * step; rounding them to 15
// significant digits makes 0.1 + 2 * 0.1 read "0.3" (not 0.30000000000000004)
// in keys, JSON and reports, and stays a pure function of k.
double tidy(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 15);
  double out = v;
  std::from_chars(buf, res.ptr, out);
  return out + 0.0;  // -0 -> +0, so that keys agree
}

double effective_step(const Param& p) {
  if (p.kind == Kind::kInt) return p.step > 0 ? p.step : 1.0;
  return p.step;
}

uint64_t steps_between(double low, double high, double step) {
  // The tolerance keeps high on the grid when (high - low) / step is an
  // integer up to rounding (0.3 / 0.1 = 2.9999999999999996).
  const double n = std::floor((high - low) / step + 1e-9);
  if (n >= 9.0e18) return std::numeric_limits<uint64_t>::max() - 1;
  return static_cast<uint64_t>(n);
}

// Names and choices are free text: escaping the separators keeps two
// different candidates from ever printing the same key.
void append_escaped(std::string& out, std::string_view text) {
  for (char ch : text) {
    if (ch == ',' || ch == '=' || ch == '\\') out += '\\';
    out += ch;
  }
}

std::string kind_text(Kind k) { return k == Kind::kInt ? "an integer" : "a number"; }

}  // namespace

std::string_view to_string(Param::Kind kind) {
  switch (kind) {
    case Kind::kCategorical: return "categorical";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
  }
  return "?";
}

std::optional<Param::Kind> param_kind_from_string(std::string_view s) {
  if (s == "categorical") return Kind::kCategorical;
  if (s == "int") return Kind::kInt;
  if (s == "float") return Kind::kFloat;
  return std::nullopt;
}

void SearchSpace::add(Param p) {
  const std::string where = "search space parameter '" + p.name + "'";
  if (p.name.empty()) throw ConfigError("search space: a parameter without a name");
  if (index_of(p.name)) throw ConfigError(where + " is defined twice");
  if (p.kind == Kind::kCategorical) {
    if (p.choices.empty()) throw ConfigError(where + ": no choices");
    std::set<std::string> seen;
    for (const std::string& c : p.choices) {
      if (!seen.insert(c).second) throw ConfigError(where + ": choice '" + c + "' repeated");
    }
    params_.push_back(std::move(p));
    return;
  }
  if (!std::isfinite(p.low) || !std::isfinite(p.high)) {
    throw ConfigError(where + ": bounds must be finite numbers");
  }
  if (p.low > p.high) {
    throw ConfigError(fmt::format("{}: low {} is above high {}", where, p.low, p.high));
  }
  if (!(p.step >= 0) || !std::isfinite(p.step)) {
    throw ConfigError(fmt::format("{}: step {} must be positive", where, p.step));
  }
  if (p.kind == Kind::kInt) {
    if (p.low != std::floor(p.low) || p.high != std::floor(p.high) ||
        (p.step > 0 && p.step != std::floor(p.step))) {
      throw ConfigError(fmt::format("{}: int bounds and step must be integers (low {}, high {}, "
                                    "step {})",
                                    where, p.low, p.high, p.step));
    }
    if (p.step == 0) p.step = 1;
  }
  if (p.log) {
    if (!(p.low > 0)) throw ConfigError(fmt::format("{}: log scale needs low > 0 (low {})", where, p.low));
    if (p.kind == Kind::kFloat ? p.step > 0 : p.step != 1) {
      throw ConfigError(where + ": log scale and a step grid do not go together");
    }
  }
  params_.push_back(std::move(p));
}

std::optional<size_t> SearchSpace::index_of(std::string_view name) const {
  for (size_t i = 0; i < params_.size(); ++i) {
    if (params_[i].name == name) return i;
  }
  return std::nullopt;
}

uint64_t SearchSpace::param_grid_size(size_t i) const {
  const Param& p = params_.at(i);
  if (p.kind == Kind::kCategorical) return p.choices.size();
  const double step = effective_step(p);
  if (step <= 0) return 0;
  return steps_between(p.low, p.high, step) + 1;
}

double SearchSpace::grid_value(size_t i, uint64_t k) const {
  const Param& p = params_.at(i);
  if (p.kind == Kind::kCategorical) return static_cast<double>(k);
  const double v = p.low + static_cast<double>(k) * effective_step(p);
  return p.kind == Kind::kInt ? v : tidy(v);
}

uint64_t SearchSpace::grid_size() const {
  uint64_t total = 1;
  for (size_t i = 0; i < params_.size(); ++i) {
    const uint64_t n = param_grid_size(i);
    if (n == 0) return 0;
    if (total > std::numeric_limits<uint64_t>::max() / n) return std::numeric_limits<uint64_t>::max();
    total *= n;
  }
  return total;
}

Candidate SearchSpace::clamp(Candidate c) const {
  if (c.size() != params_.size()) {
    throw Error(fmt::format("candidate with {} values for a search space of {} parameters",
                            c.size(), params_.size()));
  }
  for (size_t i = 0; i < params_.size(); ++i) {
    const Param& p = params_[i];
    double v = std::isnan(c[i]) ? (p.kind == Kind::kCategorical ? 0.0 : p.low) : c[i];
    if (p.kind == Kind::kCategorical) {
      v = std::clamp(std::round(v), 0.0, static_cast<double>(p.choices.size() - 1));
    } else if (const double step = effective_step(p); step > 0) {
      const uint64_t last = param_grid_size(i) - 1;
      const double k = std::clamp(std::round((v - p.low) / step), 0.0, static_cast<double>(last));
      v = grid_value(i, static_cast<uint64_t>(k));
    } else {
      v = std::clamp(v, p.low, p.high);
    }
    c[i] = v + 0.0;
  }
  return c;
}

std::string SearchSpace::value_text(const Candidate& c, size_t i) const {
  const Param& p = params_.at(i);
  const double v = c.at(i);
  switch (p.kind) {
    case Kind::kCategorical: return p.choices.at(static_cast<size_t>(v));
    case Kind::kInt: return fmt::format("{}", static_cast<int64_t>(v));
    case Kind::kFloat: return fmt::format("{}", v);
  }
  return {};
}

std::string SearchSpace::key(const Candidate& c) const {
  const Candidate s = clamp(c);
  std::string out;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (i) out += ',';
    append_escaped(out, params_[i].name);
    out += '=';
    append_escaped(out, value_text(s, i));
  }
  return out;
}

nlohmann::ordered_json SearchSpace::to_json(const Candidate& c) const {
  const Candidate s = clamp(c);
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (size_t i = 0; i < params_.size(); ++i) {
    const Param& p = params_[i];
    switch (p.kind) {
      case Kind::kCategorical: j[p.name] = p.choices[static_cast<size_t>(s[i])]; break;
      case Kind::kInt: j[p.name] = static_cast<int64_t>(s[i]); break;
      case Kind::kFloat: j[p.name] = s[i]; break;
    }
  }
  return j;
}

Candidate SearchSpace::from_json(const nlohmann::json& j) const {
  if (!j.is_object()) throw ConfigError("candidate: expected an object of parameter values, got " + j.dump());
  for (const auto& [name, value] : j.items()) {
    if (!index_of(name)) throw ConfigError("candidate: unknown parameter '" + name + "'");
  }
  Candidate c(params_.size());
  for (size_t i = 0; i < params_.size(); ++i) {
    const Param& p = params_[i];
    const std::string where = "candidate parameter '" + p.name + "'";
    const auto it = j.find(p.name);
    if (it == j.end()) throw ConfigError(where + " is missing");
    const nlohmann::json& v = *it;
    if (p.kind == Kind::kCategorical) {
      // A number or bool is matched by its text, so `bits: 4` finds choice "4".
      std::string text;
      if (v.is_string()) text = v.get<std::string>();
      else if (v.is_number_integer() || v.is_boolean()) text = v.dump();
      else if (v.is_number_float()) text = fmt::format("{}", v.get<double>());
      else throw ConfigError(where + ": expected one of its choices, got " + v.dump());
      const auto found = std::find(p.choices.begin(), p.choices.end(), text);
      if (found == p.choices.end()) {
        throw ConfigError(fmt::format("{}: '{}' is not one of its choices ({})", where, text,
                                      fmt::join(p.choices, ", ")));
      }
      c[i] = static_cast<double>(found - p.choices.begin());
      continue;
    }
    if (!v.is_number()) throw ConfigError(where + ": expected " + kind_text(p.kind) + ", got " + v.dump());
    const double x = v.get<double>();
    if (p.kind == Kind::kInt && x != std::floor(x)) {
      throw ConfigError(fmt::format("{}: {} is not an integer", where, x));
    }
    const double slack = 1e-9 * std::max(1.0, std::abs(p.high - p.low));
    if (!(x >= p.low - slack && x <= p.high + slack)) {
      throw ConfigError(fmt::format("{}: {} is outside [{}, {}]", where, x, p.low, p.high));
    }
    if (const double step = effective_step(p); step > 0) {
      const double k = (x - p.low) / step;
      if (std::abs(k - std::round(k)) > 1e-6) {
        throw ConfigError(fmt::format("{}: {} is not on the grid {} + k * {}", where, x, p.low, step));
      }
    }
    c[i] = x;
  }
  return clamp(std::move(c));
}

}  // namespace slimlm::search
