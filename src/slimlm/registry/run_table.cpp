#include "slimlm/registry/run_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "slimlm/core/text_format.h"

namespace slimlm::registry {
namespace {

using nlohmann::json;

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// At most `width` code points, with "…" when cut.
std::string clip(const std::string& s, size_t width) {
  if (utf8_length(s) <= width) return s;
  std::string out;
  size_t points = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) != 0x80 && ++points == width) break;
    out += s[i];
  }
  return out + "…";
}

std::string pad(const std::string& s, size_t width, bool right) {
  const size_t n = utf8_length(s);
  if (n >= width) return s;
  return right ? std::string(width - n, ' ') + s : s + std::string(width - n, ' ');
}

// Rows of cells in aligned columns, a rule under the header; columns listed
// in `right` are right-aligned (numbers).
std::string align(const std::vector<std::vector<std::string>>& rows, const std::set<size_t>& right) {
  std::vector<size_t> w;
  for (const auto& row : rows) {
    w.resize(std::max(w.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], utf8_length(row[i]));
  }
  std::string out;
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (size_t i = 0; i < rows[r].size(); ++i) {
      if (i) line += "  ";
      line += pad(rows[r][i], w[i], right.count(i) > 0);
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

// "2025-01-31T12:34:56Z" -> "2025-01-31 12:34".
std::string short_time(const std::string& iso) {
  if (iso.size() < 16) return iso;
  std::string s = iso.substr(0, 16);
  s[10] = ' ';
  return s;
}

json number_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json parsed_or_text(const std::string& text) {
  if (text.empty()) return json(nullptr);
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? json(text) : j;
}

// Shortest text that reads back as the same double; "" for NaN.
std::string exact_number(double v) { return std::isnan(v) ? std::string() : fmt::format("{}", v); }

std::string opt_int(const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string(); }

void flatten(const json& j, const std::string& path, std::map<std::string, std::string>& out) {
  if (j.is_object()) {
    if (j.empty()) out[path] = "{}";
    for (const auto& [k, v] : j.items()) flatten(v, path.empty() ? k : path + "." + k, out);
  } else if (j.is_array()) {
    if (j.empty()) out[path] = "[]";
    for (size_t i = 0; i < j.size(); ++i) flatten(j[i], fmt::format("{}[{}]", path, i), out);
  } else {
    out[path.empty() ? "(recipe)" : path] = j.dump();
  }
}

std::vector<std::string> metric_names(const std::vector<const RunRecord*>& runs) {
  std::set<std::string> names;
  for (const RunRecord* r : runs) {
    for (const auto& m : r->metrics) names.insert(m.name);
  }
  return {names.begin(), names.end()};
}

}  // namespace

std::string format_metric(const MetricRecord& m) {
  if (std::isnan(m.value)) return "-";
  const auto err = [&](double scale, int digits) {
    if (!m.std_error || std::isnan(*m.std_error)) return std::string();
    return fmt::format(" ± {:.{}f}", *m.std_error * scale, digits);
  };
  if (m.unit == "bytes") return human_bytes(m.value);
  if (m.unit == "fraction") return fmt::format("{:.2f}", m.value * 100) + err(100, 2) + " %";
  if (m.unit == "nats") return fmt::format("{:.6f}", m.value) + err(1, 6);
  if (m.unit == "ppl") return fmt::format("{:.4f}", m.value) + err(1, 4);
  if (m.unit == "tokens/s") return fmt::format("{:.1f}", m.value) + err(1, 1) + " t/s";
  if (m.unit == "s") return fmt::format("{:.2f} s", m.value);
  if (m.unit == "J") return fmt::format("{:.2f} J", m.value);
  const std::string e = m.std_error && !std::isnan(*m.std_error) ? fmt::format(" ± {:.4g}", *m.std_error) : "";
  return fmt::format("{:.6g}", m.value) + e;
}

const MetricRecord* size_metric(const RunRecord& r) {
  for (const char* name : {"model/file_bytes", "model/bytes", "model/weight_bytes"}) {
    if (const MetricRecord* m = r.metric(name)) return m;
  }
  return nullptr;
}

std::string run_list_table(const std::vector<RunRecord>& runs) {
  std::vector<std::vector<std::string>> rows = {
      {"ID", "CREATED", "KIND", "STATUS", "SUMMARY", "SIZE", "KLD", "PPL"}};
  // The list has no room for standard errors: `runs show` has them.
  const auto cell = [](const MetricRecord* m) {
    if (!m) return std::string("-");
    MetricRecord plain = *m;
    plain.std_error.reset();
    return format_metric(plain);
  };
  for (const RunRecord& r : runs) {
    rows.push_back({std::to_string(r.id), short_time(r.created_at), r.kind, std::string(to_string(r.status)),
                    clip(r.summary, 48), cell(size_metric(r)), cell(r.metric("kld/mean")),
                    cell(r.metric("perplexity/ppl"))});
  }
  return align(rows, {0, 5, 6, 7});
}

json run_to_json(const RunRecord& r) {
  json metrics = json::object();
  for (const auto& m : r.metrics) {
    metrics[m.name] = {{"value", number_or_null(m.value)},
                       {"unit", m.unit},
                       {"std_error", m.std_error ? number_or_null(*m.std_error) : json(nullptr)}};
  }
  return {{"id", r.id},
          {"created_at", r.created_at},
          {"finished_at", r.finished_at},
          {"kind", r.kind},
          {"status", std::string(to_string(r.status))},
          {"summary", r.summary},
          {"recipe", parsed_or_text(r.recipe_json)},
          {"base_model", r.base_model},
          {"base_model_hash", r.base_model_hash},
          {"artifact_path", r.artifact_path},
          {"artifact_sha256", r.artifact_sha256},
          {"hardware", parsed_or_text(r.hardware)},
          {"slimlm_version", r.slimlm_version},
          {"error", r.error},
          {"compress_seconds", number_or_null(r.compress_seconds)},
          {"eval_seconds", number_or_null(r.eval_seconds)},
          {"study_id", r.study_id ? json(*r.study_id) : json(nullptr)},
          {"trial_number", r.trial_number ? json(*r.trial_number) : json(nullptr)},
          {"pid", r.pid},
          {"host", r.host},
          {"metrics", metrics}};
}

std::string run_show_text(const RunRecord& r) {
  std::string out = fmt::format("run {}  {}  {}\n", r.id, to_string(r.status), r.kind);
  const auto field = [&](std::string_view name, const std::string& value) {
    if (!value.empty()) out += fmt::format("  {:<15} {}\n", name, value);
  };
  field("summary", r.summary);
  field("created", r.created_at);
  field("finished", r.finished_at);
  if (r.study_id) {
    field("study", fmt::format("{}{}", *r.study_id, r.trial_number ? fmt::format(", trial {}", *r.trial_number) : ""));
  }
  field("base model", r.base_model);
  field("base sha256", r.base_model_hash);
  // A study keeps only its frontier's models (keep_models): say so rather
  // than show a path that leads nowhere.
  std::error_code ec;
  const bool gone = !r.artifact_path.empty() && !std::filesystem::exists(r.artifact_path, ec);
  field("artifact", gone ? r.artifact_path + "  (no longer on disk)" : r.artifact_path);
  field("artifact sha256", r.artifact_sha256);
  field("timings", fmt::format("compress {:.2f} s, eval {:.2f} s", r.compress_seconds, r.eval_seconds));
  field("slimlm", r.slimlm_version);
  field("hardware", r.hardware);
  if (r.pid != 0) field("process", fmt::format("{} on {}", r.pid, r.host));
  field("error", r.error);
  if (!r.recipe_json.empty()) {
    const json recipe = parsed_or_text(r.recipe_json);
    std::string text = recipe.is_string() ? recipe.get<std::string>() : recipe.dump(2);
    out += "recipe:\n";
    size_t start = 0;
    while (start <= text.size()) {
      const size_t end = text.find('\n', start);
      out += "  " + text.substr(start, end == std::string::npos ? std::string::npos : end - start) + "\n";
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  if (r.metrics.empty()) {
    out += "metrics: none\n";
    return out;
  }
  out += "metrics:\n";
  std::vector<std::vector<std::string>> rows = {{"METRIC", "VALUE", "STDERR", "UNIT", "SHOWN AS"}};
  for (const auto& m : r.metrics) {
    rows.push_back({m.name, exact_number(m.value), m.std_error ? exact_number(*m.std_error) : "", m.unit,
                    format_metric(m)});
  }
  const std::string table = align(rows, {1, 2});
  size_t start = 0;
  while (start < table.size()) {
    const size_t end = table.find('\n', start);
    out += "  " + table.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return out;
}

std::vector<RecipeChange> recipe_changes(const std::string& recipe_a, const std::string& recipe_b) {
  const json a = json::parse(recipe_a, nullptr, false);
  const json b = json::parse(recipe_b, nullptr, false);
  if (a.is_discarded() || b.is_discarded()) {
    if (recipe_a == recipe_b) return {};
    return {{"(recipe)", recipe_a, recipe_b}};
  }
  std::map<std::string, std::string> fa, fb;
  flatten(a, "", fa);
  flatten(b, "", fb);
  std::set<std::string> paths;
  for (const auto& [k, v] : fa) paths.insert(k);
  for (const auto& [k, v] : fb) paths.insert(k);
  std::vector<RecipeChange> out;
  for (const auto& p : paths) {
    const auto ia = fa.find(p);
    const auto ib = fb.find(p);
    const std::string va = ia == fa.end() ? "" : ia->second;
    const std::string vb = ib == fb.end() ? "" : ib->second;
    if (va != vb) out.push_back({p, va, vb});
  }
  return out;
}

std::string run_diff_text(const RunRecord& a, const RunRecord& b) {
  std::string out;
  std::vector<std::vector<std::string>> fields = {{"FIELD", fmt::format("RUN {}", a.id), fmt::format("RUN {}", b.id)}};
  const auto field = [&](const char* name, const std::string& va, const std::string& vb) {
    if (va != vb) fields.push_back({name, va, vb});
  };
  field("kind", a.kind, b.kind);
  field("status", std::string(to_string(a.status)), std::string(to_string(b.status)));
  field("summary", a.summary, b.summary);
  field("base model", a.base_model, b.base_model);
  field("base sha256", a.base_model_hash, b.base_model_hash);
  field("artifact", a.artifact_path, b.artifact_path);
  field("hardware", a.hardware, b.hardware);
  field("slimlm", a.slimlm_version, b.slimlm_version);
  field("study", opt_int(a.study_id), opt_int(b.study_id));
  field("error", a.error, b.error);
  if (fields.size() > 1) out += align(fields, {});
  const auto changes = recipe_changes(a.recipe_json, b.recipe_json);
  if (changes.empty()) {
    out += "recipe: identical\n";
  } else {
    std::vector<std::vector<std::string>> rows = {{"RECIPE", fmt::format("RUN {}", a.id), fmt::format("RUN {}", b.id)}};
    for (const auto& c : changes) rows.push_back({c.path, c.a.empty() ? "-" : c.a, c.b.empty() ? "-" : c.b});
    out += align(rows, {});
  }
  const auto names = metric_names({&a, &b});
  if (names.empty()) return out + "metrics: none\n";
  std::vector<std::vector<std::string>> rows = {
      {"METRIC", fmt::format("RUN {}", a.id), fmt::format("RUN {}", b.id), "DELTA", "RATIO"}};
  for (const auto& name : names) {
    const MetricRecord* ma = a.metric(name);
    const MetricRecord* mb = b.metric(name);
    std::string delta = "-", ratio = "-";
    if (ma && mb && !std::isnan(ma->value) && !std::isnan(mb->value)) {
      delta = fmt::format("{:+.6g}", mb->value - ma->value);
      if (ma->value != 0) ratio = fmt::format("×{:.4f}", mb->value / ma->value);
    }
    rows.push_back({name, ma ? format_metric(*ma) : "-", mb ? format_metric(*mb) : "-", delta, ratio});
  }
  return out + align(rows, {1, 2, 3, 4});
}

std::string runs_csv(const std::vector<RunRecord>& runs) {
  std::vector<const RunRecord*> ptrs;
  for (const auto& r : runs) ptrs.push_back(&r);
  const auto names = metric_names(ptrs);
  std::set<std::string> with_stderr;
  for (const auto& r : runs) {
    for (const auto& m : r.metrics) {
      if (m.std_error) with_stderr.insert(m.name);
    }
  }
  std::vector<std::string> header = {"id", "created_at", "finished_at", "kind", "status", "summary",
                                     "study_id", "trial_number", "base_model", "base_model_hash",
                                     "artifact_path", "artifact_sha256", "compress_seconds", "eval_seconds",
                                     "slimlm_version", "error", "recipe_json"};
  for (const auto& n : names) {
    header.push_back(n);
    if (with_stderr.count(n)) header.push_back(n + " stderr");
  }
  std::string out;
  const auto line = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i) out += ',';
      out += csv_field(cells[i]);
    }
    out += "\n";
  };
  line(header);
  for (const auto& r : runs) {
    std::vector<std::string> cells = {std::to_string(r.id), r.created_at, r.finished_at, r.kind,
                                      std::string(to_string(r.status)), r.summary, opt_int(r.study_id),
                                      opt_int(r.trial_number), r.base_model, r.base_model_hash, r.artifact_path,
                                      r.artifact_sha256, exact_number(r.compress_seconds),
                                      exact_number(r.eval_seconds), r.slimlm_version, r.error, r.recipe_json};
    for (const auto& n : names) {
      const MetricRecord* m = r.metric(n);
      cells.push_back(m ? exact_number(m->value) : "");
      if (with_stderr.count(n)) cells.push_back(m && m->std_error ? exact_number(*m->std_error) : "");
    }
    line(cells);
  }
  return out;
}

json runs_json(const std::vector<RunRecord>& runs) {
  json a = json::array();
  for (const auto& r : runs) a.push_back(run_to_json(r));
  return a;
}

}  // namespace slimlm::registry
