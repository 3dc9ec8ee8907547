#include "slimlm/report/metric_info.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "slimlm/core/text_format.h"

namespace slimlm::report {
namespace {

using search::Direction;

// Declarative: the first rule whose pattern matches decides. A pattern ending
// in '/' matches a prefix; one starting with '/' matches a suffix (task
// metrics: "<task>/acc"); anything else matches exactly.
struct Rule {
  std::string_view pattern;
  MetricFamily family;
  std::optional<Direction> direction;
};

constexpr Rule kRules[] = {
    {"model/parameters", MetricFamily::kSize, Direction::kMinimize},
    {"model/", MetricFamily::kSize, Direction::kMinimize},
    {"kld/same_top1", MetricFamily::kQuality, Direction::kMaximize},
    {"kld/", MetricFamily::kQuality, Direction::kMinimize},
    {"perplexity/", MetricFamily::kQuality, Direction::kMinimize},
    {"speed/", MetricFamily::kSpeed, Direction::kMaximize},
    {"memory/", MetricFamily::kMemory, Direction::kMinimize},
    {"energy/estimated", MetricFamily::kOther, std::nullopt},
    {"energy/carbon_intensity", MetricFamily::kOther, std::nullopt},
    {"energy/", MetricFamily::kEnergy, Direction::kMinimize},
    {"/acc", MetricFamily::kQuality, Direction::kMaximize},
    {"/acc_norm", MetricFamily::kQuality, Direction::kMaximize},
    {"/acc_micro", MetricFamily::kQuality, Direction::kMaximize},
    {"/exact_match", MetricFamily::kQuality, Direction::kMaximize},
    {"/exact_match_flexible", MetricFamily::kQuality, Direction::kMaximize},
    {"/ppl", MetricFamily::kQuality, Direction::kMinimize},
    {"/mean_nll", MetricFamily::kQuality, Direction::kMinimize},
};

bool matches(std::string_view pattern, std::string_view metric) {
  if (pattern.back() == '/') return metric.substr(0, pattern.size()) == pattern;
  if (pattern.front() == '/') {
    return metric.size() > pattern.size() && metric.substr(metric.size() - pattern.size()) == pattern;
  }
  return metric == pattern;
}

const Rule* rule_for(std::string_view metric) {
  for (const auto& r : kRules) {
    if (matches(r.pattern, metric)) return &r;
  }
  return nullptr;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// A task's headline: "<task>/<metric>" with one '/', of the quality family,
// outside the kld/perplexity groups (those have their own columns).
bool is_task_headline(std::string_view m) {
  return std::count(m.begin(), m.end(), '/') == 1 && metric_family(m) == MetricFamily::kQuality &&
         !starts_with(m, "kld/") && !starts_with(m, "perplexity/") && known_direction(m) == Direction::kMaximize;
}

}  // namespace

MetricFamily metric_family(std::string_view metric) {
  const Rule* r = rule_for(metric);
  return r ? r->family : MetricFamily::kOther;
}

std::optional<Direction> known_direction(std::string_view metric) {
  const Rule* r = rule_for(metric);
  return r ? r->direction : std::nullopt;
}

Direction direction_of(const StudyData& study, std::string_view metric) {
  for (const auto& o : study.objectives) {
    if (o.metric == metric) return o.direction;
  }
  return known_direction(metric).value_or(Direction::kMinimize);
}

std::vector<std::string> all_metric_names(const StudyData& study) {
  std::set<std::string> names;
  for (const auto& t : study.trials) {
    for (const auto& [name, v] : t.metrics) names.insert(name);
  }
  for (const auto& r : study.references) {
    for (const auto& [name, v] : r.metrics) names.insert(name);
  }
  return {names.begin(), names.end()};
}

std::string metric_unit(const StudyData& study, std::string_view metric) {
  const std::string key(metric);
  for (const auto& t : study.trials) {
    if (auto it = t.metrics.find(key); it != t.metrics.end()) return it->second.unit;
  }
  for (const auto& r : study.references) {
    if (auto it = r.metrics.find(key); it != r.metrics.end()) return it->second.unit;
  }
  return {};
}

std::vector<std::string> key_metrics(const StudyData& study) {
  std::vector<std::string> out;
  const auto add = [&](const std::string& m) {
    if (std::find(out.begin(), out.end(), m) == out.end()) out.push_back(m);
  };
  for (const auto& o : study.objectives) add(o.metric);
  const auto names = all_metric_names(study);
  const auto add_matching = [&](auto pred) {
    for (const auto& n : names) {
      if (pred(n)) add(n);
    }
  };
  add_matching([](const std::string& n) { return n == "model/file_bytes"; });
  add_matching([](const std::string& n) { return n == "kld/mean"; });
  add_matching([](const std::string& n) { return n == "perplexity/ppl"; });
  add_matching([](const std::string& n) { return is_task_headline(n); });
  add_matching([](const std::string& n) { return starts_with(n, "speed/pp"); });
  add_matching([](const std::string& n) { return starts_with(n, "speed/tg"); });
  add_matching([](const std::string& n) { return n == "memory/peak_rss"; });
  add_matching([](const std::string& n) { return n == "energy/joules_per_token"; });
  return out;
}

std::string size_metric(const StudyData& study) {
  const auto names = all_metric_names(study);
  for (const char* pref : {"model/file_bytes", "model/weight_bytes", "model/bytes"}) {
    if (std::binary_search(names.begin(), names.end(), std::string(pref))) return pref;
  }
  for (const auto& o : study.objectives) {
    if (metric_family(o.metric) == MetricFamily::kSize) return o.metric;
  }
  return {};
}

std::string quality_metric(const StudyData& study) {
  for (const auto& o : study.objectives) {
    if (metric_family(o.metric) == MetricFamily::kQuality) return o.metric;
  }
  const auto names = all_metric_names(study);
  for (const char* pref : {"kld/mean", "perplexity/ppl"}) {
    if (std::binary_search(names.begin(), names.end(), std::string(pref))) return pref;
  }
  for (const auto& n : names) {
    if (is_task_headline(n)) return n;
  }
  return {};
}

std::string decode_speed_metric(const StudyData& study) {
  for (const auto& o : study.objectives) {
    if (starts_with(o.metric, "speed/tg")) return o.metric;
  }
  for (const auto& n : all_metric_names(study)) {
    if (starts_with(n, "speed/tg")) return n;
  }
  return {};
}

std::string format_value(double v, std::string_view unit, std::optional<double> se) {
  if (!std::isfinite(v)) return "-";
  const auto err = [&](double scale, int digits) {
    if (!se || !std::isfinite(*se)) return std::string();
    return fmt::format(" ± {:.{}f}", *se * scale, digits);
  };
  if (unit == "bytes") return human_bytes(v);
  if (unit == "fraction") return fmt::format("{:.2f}", v * 100) + err(100, 2) + " %";
  if (unit == "ppl") return fmt::format("{:.4f}", v) + err(1, 4);
  if (unit == "tokens/s" || unit == "tok/s") return fmt::format("{:.1f}", v) + err(1, 1) + " t/s";
  if (unit == "bits") return fmt::format("{:.2f} bits", v);
  if (unit == "nats") return fmt::format("{:.6f}", v) + err(1, 6);
  if (unit == "J") return fmt::format("{:.2f} J", v);
  if (unit == "J/token") return fmt::format("{:.4g} J/tok", v);
  if (unit == "g/Mtoken") return fmt::format("{:.4g} g/Mtok", v);
  if (unit == "g") return fmt::format("{:.4g} g", v);
  if (unit == "count") return fmt::format("{:.0f}", v);
  const std::string s = fmt::format("{:.6g}", v);
  if (!se || !std::isfinite(*se)) return unit.empty() ? s : s + " " + std::string(unit);
  return s + fmt::format(" ± {:.4g}", *se) + (unit.empty() ? "" : " " + std::string(unit));
}

}  // namespace slimlm::report
