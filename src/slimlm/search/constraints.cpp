#include "slimlm/search/constraints.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

namespace slimlm::search {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The config parser resolves the short names; a hand-built config may not.
std::string resolve(const std::string& name, const SpeedConfig& speed) {
  if (name == "model/bytes") return "model/file_bytes";
  if (name == "speed/decode_tps") return fmt::format("speed/tg{}", speed.decode);
  if (name == "speed/prefill_tps") return fmt::format("speed/pp{}", speed.prefill);
  return name;
}

ConstraintCheck make_check(std::string name, std::string metric, std::optional<double> value, double bound,
                           bool upper) {
  ConstraintCheck c;
  c.name = std::move(name);
  c.metric = std::move(metric);
  c.bound = bound;
  c.upper = upper;
  if (!value) {
    c.value = kNaN;
    c.missing = true;
    c.excess = 1.0;
  } else {
    c.value = *value;
    c.excess = relative_excess(*value, bound, upper);
  }
  return c;
}

}  // namespace

std::optional<double> metric_value(const MetricValues& m, const std::string& name) {
  const auto it = m.find(name);
  if (it == m.end() || std::isnan(it->second)) return std::nullopt;
  return it->second;
}

double relative_excess(double value, double bound, bool upper) {
  const double over = upper ? value - bound : bound - value;
  if (!(over > 0)) return 0.0;
  return bound != 0 ? over / std::abs(bound) : over;
}

std::vector<ConstraintCheck> check_constraints(const ConstraintsConfig& c, const SpeedConfig& speed,
                                               const MetricValues& candidate, const MetricValues& original) {
  std::vector<ConstraintCheck> out;
  const auto value = [&](const std::string& name) { return metric_value(candidate, resolve(name, speed)); };
  if (c.max_ppl_ratio) {
    out.push_back(make_check("max_ppl_ratio", "kld/ppl_ratio", value("kld/ppl_ratio"), *c.max_ppl_ratio, true));
  }
  if (c.max_accuracy_drop) {
    // The drop is original − candidate: a gain is a negative drop.
    const std::string metric = resolve(c.max_accuracy_drop->metric, speed);
    const auto cand = value(metric);
    const auto orig = metric_value(original, metric);
    std::optional<double> drop;
    if (cand && orig) drop = *orig - *cand;
    out.push_back(make_check("max_accuracy_drop", metric + " drop", drop, c.max_accuracy_drop->value, true));
  }
  if (c.max_bytes) {
    out.push_back(make_check("max_bytes", "model/file_bytes", value("model/file_bytes"),
                             static_cast<double>(*c.max_bytes), true));
  }
  if (c.max_latency_ms) {
    const std::string metric = fmt::format("speed/tg{}", speed.decode);
    std::optional<double> latency;
    if (const auto tps = value(metric)) latency = *tps > 0 ? 1000.0 / *tps : std::numeric_limits<double>::infinity();
    out.push_back(make_check("max_latency_ms", "latency_ms (1000 / " + metric + ")", latency, *c.max_latency_ms, true));
  }
  if (c.max_peak_memory) {
    out.push_back(make_check("max_peak_memory", "memory/peak_rss", value("memory/peak_rss"),
                             static_cast<double>(*c.max_peak_memory), true));
  }
  if (c.max_co2_g) {
    out.push_back(make_check("max_co2_g", "energy/co2_grams", value("energy/co2_grams"), *c.max_co2_g, true));
  }
  for (const MetricBound& b : c.max_metric) {
    const std::string metric = resolve(b.metric, speed);
    out.push_back(make_check("max_metric." + b.metric, metric, value(metric), b.value, true));
  }
  for (const MetricBound& b : c.min_metric) {
    const std::string metric = resolve(b.metric, speed);
    out.push_back(make_check("min_metric." + b.metric, metric, value(metric), b.value, false));
  }
  return out;
}

double total_violation(const std::vector<ConstraintCheck>& checks) {
  double v = 0;
  for (const auto& c : checks) v += c.excess;
  return v;
}

double constraint_violation(const ConstraintsConfig& constraints, const SpeedConfig& speed,
                            const MetricValues& candidate, const MetricValues& original) {
  return total_violation(check_constraints(constraints, speed, candidate, original));
}

std::string describe_violations(const std::vector<ConstraintCheck>& checks) {
  std::string out;
  for (const auto& c : checks) {
    if (c.excess <= 0) continue;
    if (!out.empty()) out += "; ";
    if (c.missing) {
      out += fmt::format("{} not measured ({})", c.metric, c.name);
    } else {
      out += fmt::format("{} {:.4g} {} {:.4g} (+{:.0f}%)", c.metric, c.value, c.upper ? ">" : "<", c.bound,
                         100.0 * c.excess);
    }
  }
  return out;
}

}  // namespace slimlm::search
