// The study config's top level, evaluation, objectives and constraints
// (the pipelines and the search section: study_config_search.cpp).
#include "slimlm/search/study_config.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "slimlm/core/error.h"
#include "slimlm/eval/energy/carbon_intensity.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/search/study_config_parse.h"

namespace slimlm::search {
namespace fs = std::filesystem;
using yaml::MapView;

namespace {

constexpr std::array<std::string_view, 11> kTopKeys = {"version", "name",        "model",    "output",
                                                       "calibration", "evaluation", "objectives",
                                                       "constraints", "pipeline",   "baselines", "search"};
constexpr std::array<std::string_view, 4> kCalibrationKeys = {"text", "samples", "seq_len", "seed"};
constexpr std::array<std::string_view, 6> kEvaluationKeys = {"text", "ctx", "windows", "tasks", "speed", "carbon"};
constexpr std::array<std::string_view, 3> kTaskKeys = {"data", "limit", "shots"};
constexpr std::array<std::string_view, 4> kTaskNames = {"hellaswag", "mmlu", "gsm8k", "mc"};
constexpr std::array<std::string_view, 3> kSpeedKeys = {"prefill", "decode", "repetitions"};
constexpr std::array<std::string_view, 2> kCarbonKeys = {"grams_per_kwh", "region"};
constexpr std::array<std::string_view, 2> kObjectiveKeys = {"metric", "direction"};
constexpr std::array<std::string_view, 8> kConstraintKeys = {
    "max_ppl_ratio", "max_accuracy_drop", "max_bytes",  "max_latency_ms",
    "max_peak_memory", "max_co2_g",       "max_metric", "min_metric"};
constexpr std::array<std::string_view, 2> kBoundKeys = {"metric", "value"};

fs::path existing_file(const MapView& m, std::string_view key) {
  const fs::path p = *m.file_path(key);
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) m.fail(key, fmt::format("no such file: {}", p.string()));
  return p;
}

CalibrationConfig parse_calibration(const MapView& top) {
  const MapView m(top.source(), top.node("calibration"), "calibration", kCalibrationKeys, top.line("calibration"));
  CalibrationConfig c;
  if (m.has("text")) c.text = existing_file(m, "text");
  c.samples = m.integer("samples", 1, 1 << 20).value_or(c.samples);
  c.seq_len = m.integer("seq_len", 2, 1 << 20).value_or(c.seq_len);
  c.seed = static_cast<uint64_t>(m.integer("seed", 0, INT64_MAX).value_or(0));
  return c;
}

std::vector<TaskConfig> parse_tasks(const MapView& ev) {
  std::vector<TaskConfig> tasks;
  if (!ev.has("tasks")) return tasks;
  const YAML::Node node = ev.node("tasks");
  if (!node.IsMap()) ev.fail("tasks", "expected a mapping of task names, e.g. {hellaswag: {limit: 200}}");
  std::vector<std::string_view> names;
  for (auto it = node.begin(); it != node.end(); ++it) names.emplace_back(it->first.Scalar());
  // Unknown names are caught by MapView; a helpful word for "perplexity" first.
  for (auto n : names) {
    if (n == "perplexity") {
      ev.fail("tasks", "perplexity is measured on evaluation.text (with KL divergence); drop it from tasks");
    }
  }
  const MapView all(ev.source(), node, ev.path("tasks"), kTaskNames, ev.line("tasks"));
  for (auto n : names) {
    const MapView t(ev.source(), all.node(n), all.path(n), kTaskKeys, all.line(n));
    TaskConfig tc;
    tc.name = std::string(n);
    if (t.has("data")) {
      tc.data = *t.file_path("data");
      std::error_code ec;
      if (!fs::exists(tc.data, ec)) t.fail("data", fmt::format("no such file or folder: {}", tc.data.string()));
    } else if (n == "mc") {
      t.fail_here("the mc task needs its data: data: FILE.jsonl ({context, choices, answer} per line)");
    } else if (const char* env = std::getenv("SLIMLM_DATA"); !env || !*env) {
      t.fail_here(fmt::format("give data: PATH, or set SLIMLM_DATA (the shared data folder holding the {} files)", n));
    }
    tc.limit = t.integer("limit", 0, INT64_MAX).value_or(0);
    tc.shots = static_cast<int>(t.integer("shots", -1, 25).value_or(-1));
    tasks.push_back(std::move(tc));
  }
  return tasks;
}

EvaluationConfig parse_evaluation(const MapView& top) {
  const MapView m(top.source(), top.node("evaluation"), "evaluation", kEvaluationKeys, top.line("evaluation"));
  EvaluationConfig e;
  if (m.has("text")) e.text = existing_file(m, "text");
  e.ctx = m.integer("ctx", 16, 1 << 20).value_or(e.ctx);
  e.windows = m.integer("windows", 0, INT64_MAX).value_or(e.windows);
  e.tasks = parse_tasks(m);
  if (m.has("speed")) {
    const YAML::Node s = m.node("speed");
    if (s.IsScalar()) {
      e.speed.enabled = m.boolean("speed").value();  // `speed: false` turns it off
    } else {
      const MapView sp(m.source(), s, m.path("speed"), kSpeedKeys, m.line("speed"));
      e.speed.prefill = sp.integer("prefill", 1, 1 << 20).value_or(e.speed.prefill);
      e.speed.decode = sp.integer("decode", 1, 1 << 20).value_or(e.speed.decode);
      e.speed.repetitions = static_cast<int>(sp.integer("repetitions", 1, 100).value_or(e.speed.repetitions));
    }
  }
  if (m.has("carbon")) {
    const MapView c(m.source(), m.node("carbon"), m.path("carbon"), kCarbonKeys, m.line("carbon"));
    e.carbon.grams_per_kwh = c.number("grams_per_kwh");
    if (e.carbon.grams_per_kwh && !(*e.carbon.grams_per_kwh >= 0.0)) c.fail("grams_per_kwh", "must not be negative");
    e.carbon.region = c.string("region").value_or("");
    if (!e.carbon.region.empty() && !eval::find_country(e.carbon.region)) {
      c.fail("region", fmt::format("unknown country code '{}' (ISO 3166 alpha-2 or alpha-3, e.g. FR, DEU)", e.carbon.region));
    }
  }
  return e;
}

std::string metric_at(const StudyConfig& c, const MapView& m, std::string_view key) {
  const auto name = m.string(key);
  if (!name) m.fail(key, "missing: a metric name such as kld/mean");
  std::string problem;
  std::string resolved = detail::resolve_metric(c, *name, problem);
  if (resolved.empty()) m.fail(key, problem);
  return resolved;
}

std::vector<Objective> parse_objectives(const MapView& top, const StudyConfig& c) {
  std::vector<Objective> out;
  const YAML::Node node = top.node("objectives");
  if (!top.has("objectives")) {
    // A size / quality trade-off: the frontier the issue asks for by default.
    if (c.evaluation.text.empty()) {
      top.fail("objectives", "missing, and the default (kld/mean, model/file_bytes) needs evaluation.text");
    }
    return {{"kld/mean", Direction::kMinimize}, {"model/file_bytes", Direction::kMinimize}};
  }
  if (!node.IsSequence()) top.fail("objectives", "expected a list of {metric: NAME, direction: minimize|maximize}");
  if (node.size() < 1 || node.size() > 4) {
    top.fail("objectives", fmt::format("{} objectives: give 1 to 4", node.size()));
  }
  for (size_t i = 0; i < node.size(); ++i) {
    const MapView o(top.source(), node[i], fmt::format("objectives[{}]", i), kObjectiveKeys, top.line("objectives"));
    Objective obj;
    obj.metric = metric_at(c, o, "metric");
    const std::string dir = o.string("direction").value_or("minimize");
    const auto d = direction_from_string(dir);
    if (!d) o.fail("direction", fmt::format("'{}': choose minimize or maximize", dir));
    obj.direction = *d;
    for (const auto& prev : out) {
      if (prev.metric == obj.metric) o.fail("metric", fmt::format("'{}' is already an objective", obj.metric));
    }
    out.push_back(obj);
  }
  return out;
}

std::vector<MetricBound> parse_bounds(const MapView& m, std::string_view key, const StudyConfig& c) {
  std::vector<MetricBound> out;
  if (!m.has(key)) return out;
  const YAML::Node node = m.node(key);
  if (!node.IsMap()) m.fail(key, "expected a mapping {metric: value}, e.g. {kld/mean: 0.5}");
  for (auto it = node.begin(); it != node.end(); ++it) {
    const std::string name = it->first.Scalar();
    const std::string path = m.path(key) + "." + name;
    std::string problem;
    const std::string metric = detail::resolve_metric(c, name, problem);
    if (metric.empty()) yaml::fail(m.source(), yaml::line_of(it->first), path, problem);
    const auto v = yaml::scalar_json(it->second);
    if (!v.is_number()) yaml::fail(m.source(), yaml::line_of(it->first), path, fmt::format("expected a number, got {}", yaml::describe(v)));
    out.push_back({metric, v.get<double>()});
  }
  return out;
}

ConstraintsConfig parse_constraints(const MapView& top, const StudyConfig& c) {
  const MapView m(top.source(), top.node("constraints"), "constraints", kConstraintKeys, top.line("constraints"));
  ConstraintsConfig k;
  auto positive = [&](std::string_view key) -> std::optional<double> {
    const auto v = m.number(key);
    if (v && !(*v > 0.0)) m.fail(key, fmt::format("{} must be positive", *v));
    return v;
  };
  k.max_ppl_ratio = positive("max_ppl_ratio");
  if (k.max_ppl_ratio && c.evaluation.text.empty()) {
    m.fail("max_ppl_ratio", "needs evaluation.text (the ratio is kld/ppl_ratio, measured on it)");
  }
  if (m.has("max_accuracy_drop")) {
    const MapView b(m.source(), m.node("max_accuracy_drop"), m.path("max_accuracy_drop"), kBoundKeys,
                    m.line("max_accuracy_drop"));
    MetricBound bound;
    bound.metric = metric_at(c, b, "metric");
    if (!detail::is_task_metric(c, bound.metric)) {
      b.fail("metric", fmt::format("'{}' is not a task's accuracy; use a metric of evaluation.tasks, e.g. hellaswag/acc_norm",
                                   bound.metric));
    }
    const auto v = b.number("value");
    if (!v) b.fail("value", "missing: the largest drop allowed, e.g. 0.02");
    if (!(*v >= 0.0 && *v <= 1.0)) b.fail("value", fmt::format("{} is outside [0, 1]", *v));
    bound.value = *v;
    k.max_accuracy_drop = bound;
  }
  k.max_bytes = m.size("max_bytes");
  k.max_latency_ms = positive("max_latency_ms");
  if (k.max_latency_ms && !c.evaluation.speed.enabled) {
    m.fail("max_latency_ms", "needs the speed measurement (evaluation.speed)");
  }
  k.max_peak_memory = m.size("max_peak_memory");
  k.max_co2_g = positive("max_co2_g");
  k.max_metric = parse_bounds(m, "max_metric", c);
  k.min_metric = parse_bounds(m, "min_metric", c);
  return k;
}

io::ModelConfig load_model(const MapView& top, StudyConfig& c) {
  if (!top.has("model")) top.fail("model", "missing: the Hugging Face model folder to compress");
  c.model = *top.file_path("model");
  std::error_code ec;
  if (!fs::is_regular_file(c.model / "config.json", ec)) {
    top.fail("model", fmt::format("{} is not a model folder (no config.json)", c.model.string()));
  }
  try {
    return io::load_hf_config(c.model / "config.json");
  } catch (const Error& e) {
    top.fail("model", e.what());
  }
}

}  // namespace

bool ConstraintsConfig::empty() const {
  return !max_ppl_ratio && !max_accuracy_drop && !max_bytes && !max_latency_ms && !max_peak_memory && !max_co2_g &&
         max_metric.empty() && min_metric.empty();
}

std::string_view to_string(KeepModels k) {
  switch (k) {
    case KeepModels::kAll: return "all";
    case KeepModels::kNone: return "none";
    case KeepModels::kFrontier: break;
  }
  return "frontier";
}

StudyConfig parse_study_config(std::string_view yaml_text, const fs::path& origin) {
  const fs::path abs = fs::absolute(origin).lexically_normal();
  const yaml::Source src{origin.string(), abs.parent_path()};
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::Exception& e) {
    yaml::fail(src, e.mark.line >= 0 ? e.mark.line + 1 : 0, "", fmt::format("not valid YAML: {}", e.msg));
  }
  if (!root.IsDefined() || root.IsNull()) yaml::fail(src, 0, "", "the config is empty");
  const MapView top(src, root, "", kTopKeys, 1);

  StudyConfig c;
  c.source = origin;
  c.version = static_cast<int>(top.integer("version", 1, INT32_MAX).value_or(1));
  if (c.version != 1) top.fail("version", fmt::format("version {}: this slimlm reads version 1", c.version));
  c.name = top.string("name").value_or(abs.stem().string());
  static const std::regex kName("[A-Za-z0-9][A-Za-z0-9._-]*");
  if (!std::regex_match(c.name, kName)) {
    top.fail("name", fmt::format("'{}': use letters, digits, '.', '_' and '-' (it names the study and folders)", c.name));
  }
  const io::ModelConfig model = load_model(top, c);
  c.output = top.has("output") ? *top.file_path("output") : src.base_dir / "slimlm-out" / c.name;
  c.calibration = parse_calibration(top);
  c.evaluation = parse_evaluation(top);
  c.objectives = parse_objectives(top, c);
  c.constraints = parse_constraints(top, c);
  if (top.has("pipeline")) {
    c.pipeline = detail::parse_pipeline_yaml(src, top.node("pipeline"), "pipeline", top.line("pipeline"), model,
                                             c.calibration);
  }
  if (top.has("baselines")) {
    c.baselines = detail::parse_baselines(src, top.node("baselines"), top.line("baselines"), model, c.calibration);
  }
  if (top.has("search")) {
    if (!c.pipeline.empty()) {
      top.fail("pipeline", "a fixed pipeline runs when there is no search section; with a search, give fixed recipes "
                           "as baselines");
    }
    c.search = detail::parse_search(src, top.node("search"), top.line("search"), model, c.calibration);
  }
  return c;
}

StudyConfig load_study_config(const fs::path& file) {
  std::ifstream f(file, std::ios::binary);
  if (!f) throw ConfigError(fmt::format("{}: cannot read the study config (no such file?)", file.string()));
  std::ostringstream ss;
  ss << f.rdbuf();
  return parse_study_config(ss.str(), file);
}

compress::PipelineOptions pipeline_options(const StudyConfig& c) {
  compress::PipelineOptions o;
  o.calib_text = c.calibration.text;
  o.calib_samples = c.calibration.samples;
  o.calib_seq_len = c.calibration.seq_len;
  o.calib_seed = c.calibration.seed;
  return o;
}

std::optional<uint64_t> parse_size(std::string_view text) {
  static const std::regex re("\\s*([0-9]+(\\.[0-9]*)?|\\.[0-9]+)\\s*([A-Za-z]*)\\s*");
  std::cmatch m;
  if (!std::regex_match(text.data(), text.data() + text.size(), m, re)) return std::nullopt;
  const double v = std::strtod(m[1].str().c_str(), nullptr);
  std::string unit = m[3].str();
  for (auto& ch : unit) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  struct Unit {
    std::string_view name;
    double factor;
  };
  static constexpr std::array<Unit, 10> kUnits = {{{"", 1},
                                                   {"B", 1},
                                                   {"KB", 1e3},
                                                   {"MB", 1e6},
                                                   {"GB", 1e9},
                                                   {"TB", 1e12},
                                                   {"KIB", 1024.0},
                                                   {"MIB", 1024.0 * 1024},
                                                   {"GIB", 1024.0 * 1024 * 1024},
                                                   {"TIB", 1024.0 * 1024 * 1024 * 1024}}};
  for (const auto& u : kUnits) {
    if (u.name == unit) {
      const double bytes = v * u.factor;
      if (!(bytes < 1.8e19)) return std::nullopt;
      return static_cast<uint64_t>(std::round(bytes));
    }
  }
  return std::nullopt;
}

}  // namespace slimlm::search
