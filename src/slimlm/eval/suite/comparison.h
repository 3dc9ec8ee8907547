#pragma once
// `slimlm compare`: one table of the metrics of a base model and the models
// compared with it, each value beside its delta and ratio to the base.
// Pure formatting over metric rows (tested without models).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "slimlm/eval/tasks/task_types.h"

namespace slimlm::eval {

struct CompareCell {
  std::optional<Metric> metric;  // absent when the model lacks this metric
  std::optional<double> delta;   // value − base value
  std::optional<double> ratio;   // value / base value (base ≠ 0)
};

struct CompareRow {
  std::string key;   // "hellaswag/acc_norm"
  std::string unit;
  std::vector<CompareCell> cells;  // one per model, base first
};

struct Comparison {
  std::vector<std::string> models;  // display names, base first
  std::vector<CompareRow> rows;
  bool energy_estimated = false;    // some model's CPU energy is the CPU-time estimate
};

// models[i] has metrics[i]. full = every metric (CSV/JSON); otherwise the
// summary rows: size, bits/weight, KV bytes/token, perplexity, KLD, task
// headline metrics, speed, peak memory, energy, CO2 — in that order.
Comparison build_comparison(const std::vector<std::string>& models, const std::vector<std::vector<Metric>>& metrics,
                            bool full);

// A metric value for people: sizes in KiB/MiB/GiB, fractions in percent,
// "± stderr" when known.
std::string format_metric_value(const Metric& m);
// The "vs base" cell: percentage points for fractions, "×ratio" otherwise.
std::string format_vs_base(const CompareRow& row, const CompareCell& cell);

std::string comparison_text(const Comparison& c);      // aligned columns
std::string comparison_markdown(const Comparison& c);  // GitHub table
// Long format, one line per (metric, model):
// metric,unit,model,value,stderr,delta_vs_base,ratio_vs_base
std::string comparison_csv(const Comparison& c);
std::string comparison_json(const Comparison& c);  // pretty JSON text

}  // namespace slimlm::eval
