#pragma once
// A study's constraints (StudyConfig::constraints) checked against one
// candidate's metrics. Each bound contributes its relative excess — how far
// past the bound the value lies, as a fraction of the bound — and the
// candidate's violation is their sum: 0 means feasible, and among infeasible
// candidates a smaller violation is closer to feasible (the order Deb's
// constrained domination, pareto.h, ranks by). A bound whose metric was not
// measured (absent or NaN) counts as violated by 1 (100 %): a candidate is
// never called feasible on a constraint nobody checked.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "slimlm/search/study_config.h"

namespace slimlm::search {

// Metric name -> value of one evaluation (a run's metrics).
using MetricValues = std::map<std::string, double>;

// The value of `name`, if present and not NaN.
std::optional<double> metric_value(const MetricValues& m, const std::string& name);

struct ConstraintCheck {
  std::string name;    // the config key: "max_bytes", "max_metric.kld/mean", ...
  std::string metric;  // what was compared: "model/file_bytes", "latency_ms", "hellaswag/acc_norm drop"
  double value = 0;    // the candidate's value (NaN when missing)
  double bound = 0;
  bool upper = true;   // value <= bound wanted (else value >= bound)
  double excess = 0;   // relative excess, >= 0; 1 when missing
  bool missing = false;
};

// (value − bound) / |bound| past an upper bound, (bound − value) / |bound|
// past a lower one, 0 within; the absolute difference when the bound is 0.
double relative_excess(double value, double bound, bool upper);

// Every configured bound, in the order of ConstraintsConfig's members.
// `original` holds the original model's metrics (max_accuracy_drop compares
// with them); `speed` names the decode metric max_latency_ms reads
// (speed/tg<decode>, latency = 1000 / tokens per second).
std::vector<ConstraintCheck> check_constraints(const ConstraintsConfig& constraints, const SpeedConfig& speed,
                                               const MetricValues& candidate, const MetricValues& original);

// Sum of the checks' excesses.
double total_violation(const std::vector<ConstraintCheck>& checks);

// check_constraints then total_violation.
double constraint_violation(const ConstraintsConfig& constraints, const SpeedConfig& speed,
                            const MetricValues& candidate, const MetricValues& original);

// "model/file_bytes 4.2e+06 > 3e+06 (+40%); kld/ppl_ratio missing" for the
// violated checks; "" when none is.
std::string describe_violations(const std::vector<ConstraintCheck>& checks);

}  // namespace slimlm::search
