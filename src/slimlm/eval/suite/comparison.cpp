#include "slimlm/eval/suite/comparison.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <map>

#include "slimlm/core/error.h"
#include "slimlm/core/text_format.h"
#include "slimlm/eval/tasks/multiple_choice.h"

namespace slimlm::eval {
namespace {

using Json = nlohmann::ordered_json;

// Summary rows, in display order; a trailing '*' matches any rest without
// another '/', "TASK" any task headline (one '/').
const char* const kSummary[] = {
    "model/file_bytes", "model/bits_per_weight", "model/kv_bytes_per_token", "perplexity/ppl", "kld/mean",
    "kld/p99",          "kld/same_top1",         "TASK",                     "speed/pp*",      "speed/tg*",
    "memory/peak_rss",  "energy/joules",         "energy/joules_per_token",  "energy/co2_g_per_mtok",
};

bool is_task_headline(const std::string& key) {
  if (std::count(key.begin(), key.end(), '/') != 1) return false;
  const std::string prefix = key.substr(0, key.find('/'));
  return prefix != "model" && prefix != "kld" && prefix != "speed" && prefix != "memory" && prefix != "energy" &&
         prefix != "run" && prefix != "perplexity";
}

bool matches(const char* pattern, const std::string& key) {
  const std::string p(pattern);
  if (p == "TASK") return is_task_headline(key);
  if (!p.empty() && p.back() == '*') {
    const std::string stem = p.substr(0, p.size() - 1);
    return key.rfind(stem, 0) == 0 && key.find('/', stem.size()) == std::string::npos;
  }
  return key == p;
}

std::string num(std::optional<double> v) {
  if (!v || !std::isfinite(*v)) return "";
  return fmt::format("{:.10g}", *v);
}

std::string row_label(const CompareRow& r, bool estimated) {
  if (estimated && r.key.rfind("energy/", 0) == 0) return r.key + " (estimated)";
  return r.key;
}

std::string pad(const std::string& s, size_t width, bool right) {
  const size_t w = utf8_length(s);
  if (w >= width) return s;
  return right ? std::string(width - w, ' ') + s : s + std::string(width - w, ' ');
}

// Header and body cells of the human-readable tables.
std::vector<std::vector<std::string>> table_cells(const Comparison& c) {
  std::vector<std::vector<std::string>> t;
  std::vector<std::string> head = {"metric"};
  for (size_t m = 0; m < c.models.size(); ++m) {
    head.push_back(m == 0 ? c.models[m] + " (base)" : c.models[m]);
    if (m > 0) head.push_back("vs base");
  }
  t.push_back(head);
  for (const auto& r : c.rows) {
    std::vector<std::string> line = {row_label(r, c.energy_estimated)};
    for (size_t m = 0; m < r.cells.size(); ++m) {
      line.push_back(r.cells[m].metric ? format_metric_value(*r.cells[m].metric) : "-");
      if (m > 0) line.push_back(format_vs_base(r, r.cells[m]));
    }
    t.push_back(line);
  }
  return t;
}

}  // namespace

Comparison build_comparison(const std::vector<std::string>& models, const std::vector<std::vector<Metric>>& metrics,
                            bool full) {
  if (models.size() != metrics.size() || models.empty()) {
    throw Error(fmt::format("build_comparison: {} models, {} metric lists", models.size(), metrics.size()));
  }
  Comparison c;
  c.models = models;
  // Keys in first-seen order over all models.
  std::vector<std::string> keys;
  std::map<std::string, std::string> units;
  std::vector<std::map<std::string, Metric>> by_model(models.size());
  for (size_t i = 0; i < metrics.size(); ++i) {
    for (const auto& m : metrics[i]) {
      if (!units.count(m.name)) {
        keys.push_back(m.name);
        units[m.name] = m.unit;
      }
      by_model[i][m.name] = m;
      if (m.name == "energy/estimated" && m.value != 0.0) c.energy_estimated = true;
    }
  }
  std::vector<std::string> chosen;
  if (full) {
    chosen = keys;
  } else {
    for (const char* p : kSummary) {
      for (const auto& k : keys) {
        if (matches(p, k) && std::find(chosen.begin(), chosen.end(), k) == chosen.end()) chosen.push_back(k);
      }
    }
  }
  for (const auto& k : chosen) {
    CompareRow row;
    row.key = k;
    row.unit = units[k];
    const auto base_it = by_model[0].find(k);
    for (size_t i = 0; i < models.size(); ++i) {
      CompareCell cell;
      if (const auto it = by_model[i].find(k); it != by_model[i].end()) {
        cell.metric = it->second;
        if (i > 0 && base_it != by_model[0].end()) {
          const double b = base_it->second.value;
          cell.delta = it->second.value - b;
          if (b != 0.0) cell.ratio = it->second.value / b;
        }
      }
      row.cells.push_back(std::move(cell));
    }
    c.rows.push_back(std::move(row));
  }
  return c;
}

std::string format_metric_value(const Metric& m) {
  const auto err = [&](const std::string& fmtspec, double scale) {
    if (!m.std_error) return std::string();
    return " ± " + fmt::format(fmt::runtime(fmtspec), *m.std_error * scale);
  };
  if (m.unit == "bytes") return human_bytes(m.value);
  if (m.unit == "fraction") return fmt::format("{:.2f}", m.value * 100) + err("{:.2f}", 100) + " %";
  if (m.unit == "ppl") return fmt::format("{:.4f}", m.value) + err("{:.4f}", 1);
  if (m.unit == "tokens/s") return fmt::format("{:.1f}", m.value) + err("{:.1f}", 1) + " t/s";
  if (m.unit == "bits") return fmt::format("{:.2f}", m.value);
  if (m.unit == "nats") return fmt::format("{:.6f}", m.value) + err("{:.6f}", 1);
  if (m.unit == "J") return fmt::format("{:.2f} J", m.value);
  if (m.unit == "J/token") return fmt::format("{:.4g} J/tok", m.value);
  if (m.unit == "g/Mtoken") return fmt::format("{:.4g} g/Mtok", m.value);
  if (m.unit == "g") return fmt::format("{:.4g} g", m.value);
  return fmt::format("{:.6g}", m.value) + err("{:.4g}", 1);
}

std::string format_vs_base(const CompareRow& row, const CompareCell& cell) {
  if (!cell.metric || !cell.delta) return "-";
  if (row.unit == "fraction") return fmt::format("{:+.2f} pts", *cell.delta * 100);
  if (!cell.ratio) return fmt::format("{:+.4g}", *cell.delta);
  return fmt::format("×{:.3f}", *cell.ratio);
}

std::string comparison_text(const Comparison& c) {
  const auto t = table_cells(c);
  std::vector<size_t> w(t[0].size(), 0);
  for (const auto& line : t) {
    for (size_t i = 0; i < line.size(); ++i) w[i] = std::max(w[i], utf8_length(line[i]));
  }
  std::string out;
  for (size_t r = 0; r < t.size(); ++r) {
    std::string line;
    for (size_t i = 0; i < t[r].size(); ++i) {
      if (i) line += "  ";
      line += pad(t[r][i], w[i], i > 0 && r > 0);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    if (r == 0) {
      size_t total = 0;
      for (size_t i = 0; i < w.size(); ++i) total += w[i] + (i ? 2 : 0);
      out += std::string(total, '-') + "\n";
    }
  }
  return out;
}

std::string comparison_markdown(const Comparison& c) {
  const auto t = table_cells(c);
  std::string out;
  for (size_t r = 0; r < t.size(); ++r) {
    out += "|";
    for (const auto& cell : t[r]) {
      std::string s = cell;
      size_t pos = 0;
      while ((pos = s.find('|', pos)) != std::string::npos) {
        s.replace(pos, 1, "\\|");
        pos += 2;
      }
      out += " " + s + " |";
    }
    out += "\n";
    if (r == 0) {
      out += "|---|";
      for (size_t i = 1; i < t[0].size(); ++i) out += "---:|";
      out += "\n";
    }
  }
  return out;
}

std::string comparison_csv(const Comparison& c) {
  std::string out = "metric,unit,model,value,stderr,delta_vs_base,ratio_vs_base\n";
  for (const auto& r : c.rows) {
    for (size_t i = 0; i < r.cells.size(); ++i) {
      const auto& cell = r.cells[i];
      if (!cell.metric) continue;
      out += fmt::format("{},{},{},{},{},{},{}\n", csv_field(r.key), csv_field(r.unit), csv_field(c.models[i]),
                         num(cell.metric->value), num(cell.metric->std_error), num(cell.delta), num(cell.ratio));
    }
  }
  return out;
}

std::string comparison_json(const Comparison& c) {
  Json j;
  j["base"] = c.models.front();
  j["models"] = c.models;
  j["energy_estimated"] = c.energy_estimated;
  Json rows = Json::array();
  for (const auto& r : c.rows) {
    Json values = Json::array();
    for (size_t i = 0; i < r.cells.size(); ++i) {
      const auto& cell = r.cells[i];
      Json v = {{"model", c.models[i]}};
      v["value"] = cell.metric ? Json(cell.metric->value) : Json(nullptr);
      v["stderr"] = cell.metric && cell.metric->std_error ? Json(*cell.metric->std_error) : Json(nullptr);
      if (i > 0) {
        v["delta"] = cell.delta ? Json(*cell.delta) : Json(nullptr);
        v["ratio"] = cell.ratio ? Json(*cell.ratio) : Json(nullptr);
      }
      values.push_back(std::move(v));
    }
    rows.push_back({{"metric", r.key}, {"unit", r.unit}, {"values", std::move(values)}});
  }
  j["metrics"] = std::move(rows);
  return j.dump(2);
}

}  // namespace slimlm::eval
