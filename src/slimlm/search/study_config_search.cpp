// The study config's pipelines (pipeline, baselines, search.template) and
// search section, each error at the line of the key at fault.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>
#include <regex>

#include "slimlm/compress/pipeline_step.h"
#include "slimlm/quant/format.h"
#include "slimlm/search/sampler_registry.h"
#include "slimlm/search/study_config_parse.h"

namespace slimlm::search::detail {
namespace {

using Json = nlohmann::ordered_json;
using yaml::MapView;

constexpr std::array<std::string_view, 2> kBaselineKeys = {"name", "pipeline"};
constexpr std::array<std::string_view, 8> kSearchKeys = {"sampler", "trials", "population", "seed",
                                                         "space",   "template", "proxy", "keep_models"};
constexpr std::array<std::string_view, 3> kProxyKeys = {"enabled", "sensitivity", "candidates"};
constexpr std::array<std::string_view, 4> kRangeKeys = {"low", "high", "step", "log"};
constexpr std::array<std::string_view, 3> kKeepModels = {"frontier", "all", "none"};

// Reports a PipelineError at the line of the key it names.
[[noreturn]] void fail_step(const yaml::Source& src, const std::map<std::string, int>& lines, const std::string& path,
                            const compress::PipelineError& e) {
  const std::string step = fmt::format("{}[{}]", path, e.step());
  const std::string op_path = fmt::format("{}.{}", step, e.op());
  const std::string key_path = e.key().empty() ? op_path : fmt::format("{}.{}", op_path, e.key());
  int line = 0;
  for (const std::string& p : {key_path, op_path, step, path}) {
    const auto it = lines.find(p);
    if (it != lines.end() && it->second > 0) {
      line = it->second;
      break;
    }
  }
  yaml::fail(src, line, key_path, e.problem());
}

// Whether variant text names something the proxy can measure per layer:
// a format ("int4_g128") or "<method> <sparsity>" ("wanda 50%", "sparsegpt 2:4").
bool valid_variant(const std::string& v) {
  if (quant::format_from_string(v)) return true;
  static const std::regex re("(magnitude|wanda|sparsegpt) +([0-9]+(\\.[0-9]+)?%|0?\\.[0-9]+|[0-9]+:[0-9]+)");
  return std::regex_match(v, re);
}

SpaceEntry parse_entry(const yaml::Source& src, const std::string& key, const YAML::Node& value, int key_line) {
  SpaceEntry e;
  e.key = key;
  e.line = yaml::line_of(value) ? yaml::line_of(value) : key_line;
  const std::string path = "search.space." + key;
  auto fail = [&](std::string_view problem) { yaml::fail(src, e.line, path, problem); };
  const auto dot = key.find('.');
  if (dot == std::string::npos) fail("expected <op>.<param>, e.g. quantize.format");
  e.op = key.substr(0, dot);
  e.param = key.substr(dot + 1);
  const auto ops = compress::pipeline_ops();
  if (std::find(ops.begin(), ops.end(), e.op) == ops.end()) {
    const std::string c = compress::closest_name(e.op, ops);
    fail(fmt::format("unknown op '{}'{}; ops: prune, prune_heads, prune_channels, drop_layers, quantize", e.op,
                     c.empty() ? "" : fmt::format(" (did you mean '{}'?)", c)));
  }
  const auto keys = compress::pipeline_op_keys(e.op);
  if (std::find(keys.begin(), keys.end(), e.param) == keys.end()) {
    const std::string c = compress::closest_name(e.param, keys);
    std::string list;
    for (auto k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
    fail(fmt::format("{} has no key '{}'{}; its keys: {}", e.op, e.param,
                     c.empty() ? "" : fmt::format(" (did you mean '{}'?)", c), list));
  }
  auto scalars = [&](const YAML::Node& list) {
    std::vector<Json> out;
    if (list.size() == 0) fail("an empty list of choices");
    for (size_t i = 0; i < list.size(); ++i) {
      if (!list[i].IsScalar()) fail("choices must be single values (text, numbers, true/false)");
      Json v = yaml::scalar_json(list[i]);
      if (std::find(out.begin(), out.end(), v) != out.end()) fail(fmt::format("choice {} appears twice", v.dump()));
      out.push_back(std::move(v));
    }
    return out;
  };
  if (value.IsSequence()) {
    e.kind = SpaceEntry::Kind::kChoices;
    e.choices = scalars(value);
  } else if (value.IsMap() && value["per_layer"].IsDefined()) {
    if (e.key != "quantize.layer_formats") fail("per_layer goes with quantize.layer_formats only");
    if (value.size() != 1) fail("expected {per_layer: [format, ...]} alone");
    if (!value["per_layer"].IsSequence()) fail("per_layer: expected a list of formats, e.g. [int8, int4_g128]");
    e.kind = SpaceEntry::Kind::kPerLayer;
    e.choices = scalars(value["per_layer"]);
  } else if (value.IsMap()) {
    const MapView m(src, value, path, kRangeKeys, e.line);
    e.kind = SpaceEntry::Kind::kRange;
    const Json low = yaml::to_json(src, m.node("low"), m.path("low"));
    const Json high = yaml::to_json(src, m.node("high"), m.path("high"));
    if (!low.is_number()) m.fail("low", "missing or not a number: the smallest value");
    if (!high.is_number()) m.fail("high", "missing or not a number: the largest value");
    e.low = low.get<double>();
    e.high = high.get<double>();
    const Json step = yaml::to_json(src, m.node("step"), m.path("step"));
    if (!step.is_null() && !step.is_number()) m.fail("step", "expected a number");
    e.step = step.is_null() ? 0.0 : step.get<double>();
    e.integer = low.is_number_integer() && high.is_number_integer() && (step.is_null() || step.is_number_integer());
    e.log = m.boolean("log").value_or(false);
    if (e.low > e.high) m.fail("low", fmt::format("low {} is above high {}", e.low, e.high));
    if (e.step < 0) m.fail("step", "must be positive");
    if (e.log && !(e.low > 0)) m.fail("log", "a log scale needs low > 0");
  } else {
    fail("expected a list of choices, {low: A, high: B[, step: S]} or {per_layer: [...]}");
  }
  if (e.key == "quantize.layer_formats" && e.kind != SpaceEntry::Kind::kPerLayer) {
    fail("per-layer formats are searched as {per_layer: [int8, int4_g128, ...]}: one parameter per layer");
  }
  return e;
}

// The values an entry can give its key, for checking: every choice, or a
// range's bounds.
std::vector<Json> probe_values(const SpaceEntry& e) {
  if (e.kind != SpaceEntry::Kind::kRange) {
    if (e.kind == SpaceEntry::Kind::kChoices) return e.choices;
    std::vector<Json> out;
    for (const auto& c : e.choices) out.push_back(Json{{"0", c}});
    return out;
  }
  if (e.integer) return {Json(static_cast<int64_t>(e.low)), Json(static_cast<int64_t>(e.high))};
  return {Json(e.low), Json(e.high)};
}

}  // namespace

std::vector<compress::PipelineStep> parse_pipeline_yaml(const yaml::Source& src, const YAML::Node& node,
                                                        const std::string& path, int parent_line,
                                                        const io::ModelConfig& model,
                                                        const CalibrationConfig& calibration) {
  std::vector<compress::PipelineStep> steps;
  if (!node.IsDefined() || node.IsNull()) return steps;
  const int line = yaml::line_of(node) ? yaml::line_of(node) : parent_line;
  if (!node.IsSequence()) {
    yaml::fail(src, line, path, "expected a list of steps, e.g. [{prune: {method: wanda}}, {quantize: {method: rtn}}]");
  }
  std::map<std::string, int> lines;
  const Json j = yaml::to_json(src, node, path, &lines);
  for (size_t i = 0; i < j.size(); ++i) {
    const std::string sp = fmt::format("{}[{}]", path, i);
    if (!j[i].is_object() || j[i].size() != 1) {
      yaml::fail(src, lines[sp] ? lines[sp] : line, sp,
                 "expected one op per step, e.g. - quantize: {method: rtn, format: int8}");
    }
    steps.push_back({j[i].begin().key(), j[i].begin().value()});
  }
  try {
    const std::vector<compress::StepSpec> specs = compress::parse_pipeline(steps);
    compress::check_pipeline_shapes(specs, model);
    for (size_t i = 0; i < specs.size(); ++i) {
      if (specs[i].needs_calibration() && calibration.text.empty()) {
        throw compress::PipelineError(i, specs[i].op, "", "needs calibration text: set calibration.text");
      }
    }
  } catch (const compress::PipelineError& e) {
    fail_step(src, lines, path, e);
  }
  return steps;
}

std::vector<Baseline> parse_baselines(const yaml::Source& src, const YAML::Node& node, int parent_line,
                                      const io::ModelConfig& model, const CalibrationConfig& calibration) {
  std::vector<Baseline> out;
  const int line = yaml::line_of(node) ? yaml::line_of(node) : parent_line;
  if (!node.IsSequence()) yaml::fail(src, line, "baselines", "expected a list of {name: NAME, pipeline: [...]}");
  for (size_t i = 0; i < node.size(); ++i) {
    const MapView m(src, node[i], fmt::format("baselines[{}]", i), kBaselineKeys, line);
    Baseline b;
    const auto name = m.string("name");
    if (!name || name->empty()) m.fail("name", "missing: each baseline needs a name");
    b.name = *name;
    for (const auto& prev : out) {
      if (prev.name == b.name) m.fail("name", fmt::format("'{}' names another baseline too", b.name));
    }
    b.pipeline = parse_pipeline_yaml(src, m.node("pipeline"), m.path("pipeline"), m.line("pipeline"), model, calibration);
    out.push_back(std::move(b));
  }
  return out;
}

SearchConfig parse_search(const yaml::Source& src, const YAML::Node& node, int parent_line,
                          const io::ModelConfig& model, const CalibrationConfig& calibration) {
  const MapView m(src, node, "search", kSearchKeys, parent_line);
  SearchConfig s;
  s.sampler = m.string("sampler").value_or(s.sampler);
  std::vector<std::string_view> names;
  for (const auto& info : samplers()) names.push_back(info.name);
  if (std::find(names.begin(), names.end(), s.sampler) == names.end()) {
    std::string list;
    for (auto n : names) list += (list.empty() ? "" : ", ") + std::string(n);
    const std::string c = compress::closest_name(s.sampler, names);
    m.fail("sampler", fmt::format("unknown sampler '{}'{}; choose one of: {}", s.sampler,
                                  c.empty() ? "" : fmt::format(" (did you mean '{}'?)", c), list));
  }
  s.trials = m.integer("trials", 1, 1000000).value_or(s.trials);
  s.population = m.integer("population", 2, 100000).value_or(s.population);
  s.seed = static_cast<uint64_t>(m.integer("seed", 0, INT64_MAX).value_or(0));
  const std::string keep = m.string("keep_models").value_or("frontier");
  if (std::find(kKeepModels.begin(), kKeepModels.end(), keep) == kKeepModels.end()) {
    m.fail("keep_models", fmt::format("'{}': choose frontier, all or none", keep));
  }
  s.keep_models = keep == "all" ? KeepModels::kAll : keep == "none" ? KeepModels::kNone : KeepModels::kFrontier;

  if (m.has("proxy")) {
    const MapView p(src, m.node("proxy"), m.path("proxy"), kProxyKeys, m.line("proxy"));
    s.proxy.enabled = p.boolean("enabled").value_or(true);
    s.proxy.candidates = p.integer("candidates", 1, 1000000).value_or(s.proxy.candidates);
    if (p.has("sensitivity")) {
      const YAML::Node list = p.node("sensitivity");
      if (!list.IsSequence() || list.size() == 0) p.fail("sensitivity", "expected a non-empty list, e.g. [int8, int4_g128, \"wanda 50%\"]");
      for (size_t i = 0; i < list.size(); ++i) {
        const Json v = yaml::scalar_json(list[i]);
        if (!v.is_string() || !valid_variant(v.get<std::string>())) {
          yaml::fail(src, yaml::line_of(list[i]), fmt::format("search.proxy.sensitivity[{}]", i),
                     fmt::format("{}: expected a format ({}) or \"<magnitude|wanda|sparsegpt> <sparsity>\" such as "
                                 "\"wanda 50%\"",
                                 v.dump(), quant::format_list()));
        }
        s.proxy.sensitivity.push_back(v.get<std::string>());
      }
    } else {
      s.proxy.sensitivity = {"int8", "int4_g128", "int3_g128"};
    }
  }

  if (!m.has("space")) m.fail("space", "missing: the parameters to search, e.g. {quantize.format: [int8, int4_g128]}");
  const YAML::Node space = m.node("space");
  if (!space.IsMap() || space.size() == 0) {
    m.fail("space", "expected a non-empty mapping of <op>.<param>: choices");
  }
  for (auto it = space.begin(); it != space.end(); ++it) {
    const std::string key = it->first.Scalar();
    for (const auto& prev : s.space) {
      if (prev.key == key) yaml::fail(src, yaml::line_of(it->first), "search.space." + key, "appears twice");
    }
    s.space.push_back(parse_entry(src, key, it->second, yaml::line_of(it->first)));
  }

  // The template: given (and checked as a pipeline), or one step per op of
  // the space in the canonical order.
  if (m.has("template")) {
    s.template_steps = parse_pipeline_yaml(src, m.node("template"), m.path("template"), m.line("template"), model, calibration);
  } else {
    for (auto op : compress::pipeline_ops()) {
      if (std::any_of(s.space.begin(), s.space.end(), [&](const SpaceEntry& e) { return e.op == op; })) {
        s.template_steps.push_back({std::string(op), Json::object()});
      }
    }
  }
  // Each value of each entry, set on its template step with the other
  // entries' first values, must make a valid step (so a typo in a choice is
  // reported here, at its line, not as failed trials).
  for (const SpaceEntry& e : s.space) {
    const auto t = std::find_if(s.template_steps.begin(), s.template_steps.end(),
                                [&](const compress::PipelineStep& st) { return st.op == e.op; });
    if (t == s.template_steps.end()) {
      yaml::fail(src, e.line, "search.space." + e.key, fmt::format("search.template has no {} step to vary", e.op));
    }
    compress::PipelineStep base = *t;
    if (base.params.is_null()) base.params = Json::object();
    for (const SpaceEntry& other : s.space) {
      if (other.op == e.op && &other != &e && !(base.params.contains(other.param))) {
        base.params[other.param] = probe_values(other).front();
      }
    }
    for (const Json& v : probe_values(e)) {
      compress::PipelineStep step = base;
      step.params[e.param] = v;
      const std::string shown = e.kind == SpaceEntry::Kind::kPerLayer ? v["0"].dump() : v.dump();
      try {
        const compress::StepSpec spec = compress::parse_step(step, 0);
        // Layers only change through drop_layers, so its values can be
        // checked against the model here (other shapes depend on the steps
        // before: a misfit there is a failed trial).
        if (e.op == "drop_layers") compress::check_pipeline_shapes(std::span(&spec, 1), model);
        if (spec.needs_calibration() && calibration.text.empty()) {
          yaml::fail(src, e.line, "search.space." + e.key,
                     fmt::format("{} needs calibration text: set calibration.text", shown));
        }
      } catch (const compress::PipelineError& err) {
        const std::string problem = err.key() == e.param || err.key().empty()
                                        ? err.problem()
                                        : fmt::format("{}.{}: {}", e.op, err.key(), err.problem());
        yaml::fail(src, e.line, "search.space." + e.key, fmt::format("value {}: {}", shown, problem));
      }
    }
  }
  return s;
}

}  // namespace slimlm::search::detail
