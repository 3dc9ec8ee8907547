#include "slimlm/report/markdown_report.h"

#include <fmt/format.h>

#include <cmath>

#include "slimlm/report/escape.h"
#include "slimlm/report/metric_info.h"
#include "slimlm/report/plots.h"
#include "slimlm/report/study_summary.h"

namespace slimlm::report {
namespace {

using Row = std::vector<std::string>;

// head cells are escaped here; body cells too. right: numeric columns.
std::string table(const Row& head, const std::vector<Row>& rows, const std::vector<bool>& right) {
  std::string out = "|";
  // Appends piecewise: `" " + cell + " |"` trips GCC 12's -Wrestrict false positive.
  const auto cell = [&](const std::string& c) {
    out += ' ';
    out += markdown_cell(c);
    out += " |";
  };
  for (const auto& h : head) cell(h);
  out += "\n|";
  for (size_t i = 0; i < head.size(); ++i) out += i < right.size() && right[i] ? "---:|" : "---|";
  out += "\n";
  for (const auto& r : rows) {
    out += "|";
    for (const auto& c : r) cell(c);
    out += "\n";
  }
  return out;
}

std::string arrow(const StudyData& s, const std::string& metric) {
  return direction_of(s, metric) == search::Direction::kMaximize ? " ↑" : " ↓";
}

std::string metric_cell(const StudyData& s, const TrialData& t, const std::string& m) {
  if (auto it = t.metrics.find(m); it != t.metrics.end()) return format_value(it->second);
  if (auto v = metric_value(s, t, m)) return format_value(*v, metric_unit(s, m));
  return "-";
}

std::string proxy_cell(const StudyData& s, const TrialData& t, size_t i) {
  if (t.proxy_objectives.size() != s.objectives.size()) return "-";
  return format_value(t.proxy_objectives[i], metric_unit(s, s.objectives[i].metric));
}

}  // namespace

std::string study_markdown(const StudyData& s) {
  std::string out = fmt::format("# Study {}\n\n", markdown_cell(s.name));
  const auto item = [&](const char* key, const std::string& value) {
    if (!value.empty()) out += fmt::format("- **{}**: {}\n", key, markdown_cell(value));
  };
  item("Model", s.model);
  item("Sampler", s.sampler);
  item("Objectives", objectives_text(s));
  item("Trials", trial_counts_text(s));
  item("Frontier", fmt::format("{} point{}", s.frontier().size(), s.frontier().size() == 1 ? "" : "s"));
  if (const std::string rho = proxy_correlation_text(s); !rho.empty()) {
    item("Proxy", "rank correlation with full evaluation (Spearman): " + rho);
  }
  item("Status", s.status);
  item("Hardware", hardware_summary(s.hardware_json));
  item("slimlm", s.slimlm_version);
  if (!s.created_at.empty()) item("Created", s.created_at + (s.updated_at.empty() ? "" : ", updated " + s.updated_at));
  out += "\n";

  const auto columns = key_metrics(s);
  Row head = {"#", "recipe"};
  std::vector<bool> right = {true, false};
  for (const auto& m : columns) {
    head.push_back(m + arrow(s, m));
    right.push_back(true);
  }

  out += "## Pareto frontier\n\n";
  const auto front = s.frontier();
  if (front.empty()) {
    out += "No feasible trial has been measured yet.\n\n";
  } else {
    std::vector<Row> rows;
    for (const TrialData* t : front) {
      Row r = {std::to_string(t->number), t->summary};
      for (const auto& m : columns) r.push_back(metric_cell(s, *t, m));
      rows.push_back(std::move(r));
    }
    out += table(head, rows, right) + "\n";
  }

  if (!s.references.empty()) {
    out += "## Reference runs\n\n";
    Row rhead = {"run", "kind", "summary", "status"};
    std::vector<bool> rright = {true, false, false, false};
    for (const auto& m : columns) {
      rhead.push_back(m);
      rright.push_back(true);
    }
    std::vector<Row> rows;
    for (const auto& r : s.references) {
      Row row = {std::to_string(r.id), r.kind, r.summary, std::string(registry::to_string(r.status))};
      for (const auto& m : columns) {
        auto it = r.metrics.find(m);
        row.push_back(it == r.metrics.end() ? "-" : format_value(it->second));
      }
      rows.push_back(std::move(row));
    }
    out += table(rhead, rows, rright) + "\n";
  }

  out += "## All trials\n\n";
  {
    Row thead = {"#", "gen", "stage", "state", "recipe", "feasible"};
    std::vector<bool> tright = {true, true, false, false, false, false};
    // With a proxy, each objective's prediction follows its measured value.
    const bool proxy = has_proxy_predictions(s);
    for (const auto& m : columns) {
      thead.push_back(m + arrow(s, m));
      tright.push_back(true);
      if (proxy && objective_index(s, m)) {
        thead.push_back(m + " (proxy)");
        tright.push_back(true);
      }
    }
    thead.push_back("error");
    std::vector<Row> rows;
    for (const auto& t : s.trials) {
      Row r = {std::to_string(t.number) + (t.on_frontier ? " ★" : ""),
               std::to_string(t.generation),
               t.stage,
               std::string(registry::to_string(t.state)),
               t.summary,
               t.feasible() ? "yes" : fmt::format("no ({:.3g})", t.violation)};
      for (const auto& m : columns) {
        r.push_back(metric_cell(s, t, m));
        if (const auto i = objective_index(s, m); proxy && i) r.push_back(proxy_cell(s, t, *i));
      }
      r.push_back(t.error);
      rows.push_back(std::move(r));
    }
    out += table(thead, rows, tright);
    out += "\n★ on the Pareto frontier.";
    if (proxy) out += " (proxy): what the per-layer proxy predicted before the trial was evaluated.";
    out += "\n\n";
  }

  for (const auto& h : build_heatmaps(s)) {
    out += fmt::format("## Per-layer sensitivity: {}\n\n", markdown_cell(h.metric));
    out += "Each cell: the metric when only that layer is compressed that way.\n\n";
    Row hhead = {"layer"};
    std::vector<bool> hright = {true};
    for (const auto& v : h.variants) {
      hhead.push_back(v);
      hright.push_back(true);
    }
    std::vector<Row> rows;
    for (size_t l = 0; l < h.layers.size(); ++l) {
      Row r = {std::to_string(h.layers[l])};
      for (size_t v = 0; v < h.variants.size(); ++v) {
        const auto& cell = h.values[v][l];
        r.push_back(cell && std::isfinite(*cell) ? fmt::format("{:.6g}", *cell) : "-");
      }
      rows.push_back(std::move(r));
    }
    out += table(hhead, rows, hright) + "\n";
  }
  return out;
}

}  // namespace slimlm::report
