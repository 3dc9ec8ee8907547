#include "slimlm/report/csv_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "slimlm/report/escape.h"
#include "slimlm/report/metric_info.h"

namespace slimlm::report {
namespace {

// Shortest text that reads back as the same double; empty for NaN/inf so
// that spreadsheets see a missing value rather than a string.
std::string number(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return {};
  return fmt::format("{}", *v);
}

}  // namespace

std::string study_csv(const StudyData& s) {
  std::vector<std::string> params;
  for (const auto& t : s.trials) {
    for (const auto& p : t.params) {
      if (std::find(params.begin(), params.end(), p.name) == params.end()) params.push_back(p.name);
    }
  }
  std::vector<std::string> metrics;
  for (const auto& o : s.objectives) metrics.push_back(o.metric);
  for (const auto& m : all_metric_names(s)) {
    if (std::find(metrics.begin(), metrics.end(), m) == metrics.end()) metrics.push_back(m);
  }
  const bool any_proxy = std::any_of(s.trials.begin(), s.trials.end(),
                                     [](const TrialData& t) { return !t.proxy_objectives.empty(); });

  std::vector<std::string> head = {"number", "generation", "state",    "stage", "summary",
                                   "feasible", "violation", "frontier", "run_id"};
  head.insert(head.end(), params.begin(), params.end());
  head.insert(head.end(), metrics.begin(), metrics.end());
  if (any_proxy) {
    for (const auto& o : s.objectives) head.push_back("proxy:" + o.metric);
  }
  head.push_back("error");

  std::string out;
  const auto emit = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i) out += ',';
      out += csv_field(row[i]);
    }
    out += "\r\n";  // RFC 4180 line break
  };
  emit(head);
  for (const auto& t : s.trials) {
    std::vector<std::string> row = {std::to_string(t.number),
                                    std::to_string(t.generation),
                                    std::string(registry::to_string(t.state)),
                                    t.stage,
                                    t.summary,
                                    t.feasible() ? "true" : "false",
                                    number(t.violation),
                                    t.on_frontier ? "true" : "false",
                                    t.run_id ? std::to_string(*t.run_id) : std::string()};
    for (const auto& name : params) {
      auto it = std::find_if(t.params.begin(), t.params.end(), [&](const ParamValue& p) { return p.name == name; });
      row.push_back(it == t.params.end() ? std::string() : it->text);
    }
    for (const auto& m : metrics) row.push_back(number(metric_value(s, t, m)));
    if (any_proxy) {
      for (size_t i = 0; i < s.objectives.size(); ++i) {
        row.push_back(t.proxy_objectives.size() == s.objectives.size() ? number(t.proxy_objectives[i])
                                                                        : std::string());
      }
    }
    row.push_back(t.error);
    emit(row);
  }
  return out;
}

}  // namespace slimlm::report
