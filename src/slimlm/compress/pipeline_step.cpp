// Parsing one pipeline step: each op's keys, their types and ranges.
#include "slimlm/compress/pipeline_step.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <regex>
#include <set>

namespace slimlm::compress {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::array<std::string_view, 5> kOps = {"prune", "prune_heads", "prune_channels", "drop_layers",
                                                  "quantize"};
constexpr std::array<std::string_view, 13> kQuantizeKeys = {
    "method", "format", "bits", "group_size", "asym", "layer_formats", "skip",
    "lm_head", "clip", "act_order", "static_groups", "damp", "alpha"};
constexpr std::array<std::string_view, 7> kPruneKeys = {"method", "sparsity", "pattern", "owl",
                                                        "storage", "quantize", "scope"};
constexpr std::array<std::string_view, 3> kHeadsKeys = {"ratio", "unit", "importance"};
constexpr std::array<std::string_view, 2> kChannelsKeys = {"ratio", "importance"};
constexpr std::array<std::string_view, 2> kDropKeys = {"layers", "count"};

std::string join(std::span<const std::string_view> names) {
  std::string s;
  for (auto n : names) s += (s.empty() ? "" : ", ") + std::string(n);
  return s;
}

std::string hint(std::string_view name, std::span<const std::string_view> names) {
  const std::string c = closest_name(name, names);
  return c.empty() ? "" : fmt::format(" (did you mean '{}'?)", c);
}

// Reads one step's keys, remembering which were read so that the rest can
// be reported as unknown.
class StepReader {
 public:
  StepReader(const PipelineStep& s, size_t index) : step_(s), index_(index) {
    if (!s.params.is_null() && !s.params.is_object()) {
      fail("", fmt::format("expected a mapping of the op's keys, got {}", s.params.type_name()));
    }
  }

  [[noreturn]] void fail(std::string key, std::string problem) const {
    throw PipelineError(index_, step_.op, std::move(key), std::move(problem));
  }

  const Json* get(std::string_view key) {
    if (!step_.params.is_object()) return nullptr;
    const auto it = step_.params.find(std::string(key));
    if (it == step_.params.end() || it->is_null()) return nullptr;
    used_.insert(std::string(key));
    return &*it;
  }
  bool has(std::string_view key) {
    return step_.params.is_object() && step_.params.contains(std::string(key)) &&
           !step_.params.at(std::string(key)).is_null();
  }

  std::optional<std::string> str(std::string_view key) {
    const Json* j = get(key);
    if (!j) return std::nullopt;
    if (!j->is_string()) fail(std::string(key), fmt::format("expected a string, got {} {}", j->type_name(), j->dump()));
    return j->get<std::string>();
  }
  std::string choice(std::string_view key, std::string_view def, std::span<const std::string_view> choices) {
    const std::string v = str(key).value_or(std::string(def));
    if (std::find(choices.begin(), choices.end(), v) == choices.end()) {
      fail(std::string(key), fmt::format("'{}' is not one of: {}{}", v, join(choices), hint(v, choices)));
    }
    return v;
  }
  std::optional<bool> boolean(std::string_view key) {
    const Json* j = get(key);
    if (!j) return std::nullopt;
    if (!j->is_boolean()) fail(std::string(key), fmt::format("expected true or false, got {}", j->dump()));
    return j->get<bool>();
  }
  std::optional<double> number(std::string_view key) {
    const Json* j = get(key);
    if (!j) return std::nullopt;
    if (!j->is_number()) fail(std::string(key), fmt::format("expected a number, got {} {}", j->type_name(), j->dump()));
    return j->get<double>();
  }
  std::optional<int64_t> integer(std::string_view key) {
    const Json* j = get(key);
    if (!j) return std::nullopt;
    if (j->is_number_integer()) return j->get<int64_t>();
    if (j->is_number_float()) {
      const double d = j->get<double>();
      if (std::floor(d) == d && std::abs(d) < 1e15) return static_cast<int64_t>(d);
    }
    fail(std::string(key), fmt::format("expected an integer, got {}", j->dump()));
  }
  // A fraction in [0, 1): a number or "50%".
  std::optional<double> fraction(std::string_view key) {
    const Json* j = get(key);
    if (!j) return std::nullopt;
    double v = 0;
    if (j->is_number()) {
      v = j->get<double>();
    } else if (j->is_string()) {
      std::string s = j->get<std::string>();
      const bool percent = !s.empty() && s.back() == '%';
      if (percent) s.pop_back();
      const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) {
        fail(std::string(key), fmt::format("expected a fraction such as 0.5 or \"50%\", got {}", j->dump()));
      }
      if (percent) v /= 100.0;
    } else {
      fail(std::string(key), fmt::format("expected a fraction such as 0.5 or \"50%\", got {}", j->dump()));
    }
    if (!(v >= 0.0 && v < 1.0)) fail(std::string(key), fmt::format("{} is outside [0, 1)", j->dump()));
    return v;
  }
  quant::QuantFormat format(std::string_view key, const std::string& name) {
    if (auto f = quant::format_from_string(name)) return *f;
    fail(std::string(key), fmt::format("unknown format '{}'; choose one of: {}", name, quant::format_list()));
  }

  // Unknown keys are errors: a typo must not silently fall back to a default.
  void finish(std::span<const std::string_view> known) const {
    if (!step_.params.is_object()) return;
    for (const auto& [k, v] : step_.params.items()) {
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        fail(k, fmt::format("unknown key for {}{}; known keys: {}", step_.op, hint(k, known), join(known)));
      }
    }
  }

 private:
  const PipelineStep& step_;
  size_t index_;
  std::set<std::string> used_;
};

void parse_layer_formats(StepReader& r, const Json& j, QuantizeSpec& q) {
  auto add = [&](int64_t layer, const Json& v) {
    if (v.is_null()) return;  // the default format
    if (!v.is_string()) r.fail("layer_formats", fmt::format("layer {}: expected a format name, got {}", layer, v.dump()));
    const std::string name = v.get<std::string>();
    q.layer_formats[layer] = name == "dense" ? std::nullopt : std::optional(r.format("layer_formats", name));
  };
  if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) add(static_cast<int64_t>(i), j[i]);
    return;
  }
  if (!j.is_object()) r.fail("layer_formats", fmt::format("expected a mapping {{layer: format}}, got {}", j.dump()));
  for (const auto& [k, v] : j.items()) {
    int64_t layer = -1;
    const auto res = std::from_chars(k.data(), k.data() + k.size(), layer);
    if (res.ec != std::errc() || res.ptr != k.data() + k.size() || layer < 0) {
      r.fail("layer_formats", fmt::format("'{}' is not a layer number", k));
    }
    add(layer, v);
  }
}

std::vector<std::string> string_list(StepReader& r, std::string_view key) {
  const Json* j = r.get(key);
  std::vector<std::string> out;
  if (!j) return out;
  if (j->is_string()) {
    out.push_back(j->get<std::string>());
  } else if (j->is_array()) {
    for (const auto& e : *j) {
      if (!e.is_string()) r.fail(std::string(key), fmt::format("expected strings, got {}", e.dump()));
      out.push_back(e.get<std::string>());
    }
  } else {
    r.fail(std::string(key), fmt::format("expected a string or a list of strings, got {}", j->dump()));
  }
  return out;
}

StepSpec parse_quantize(StepReader& r) {
  static constexpr std::array<std::string_view, 5> kMethods = {"rtn", "gptq", "awq", "smoothquant", "none"};
  StepSpec s;
  s.op = "quantize";
  QuantizeSpec& q = s.spec.emplace<QuantizeSpec>();
  q.method = r.choice("method", "rtn", kMethods);
  s.noop = q.method == "none";
  const bool by_bits = r.has("bits") || r.has("group_size") || r.has("asym");
  if (const auto f = r.str("format")) {
    if (by_bits) r.fail("format", "give either format or bits / group_size / asym, not both");
    q.format = r.format("format", *f);
  } else {
    const int64_t bits = r.integer("bits").value_or(q.method == "smoothquant" ? 8 : 4);
    int64_t group = r.integer("group_size").value_or(128);
    const bool asym = r.boolean("asym").value_or(false);
    if (bits != 8 && bits != 4 && bits != 3 && bits != 2) r.fail("bits", fmt::format("{}: choose 8, 4, 3 or 2", bits));
    if (group != 0 && group != 32 && group != 64 && group != 128) {
      r.fail("group_size", fmt::format("{}: choose 32, 64, 128 or 0 (one scale per output channel)", group));
    }
    if (bits == 8) group = 0;  // int8 exists per output channel only
    const auto uniform = quant::find_uniform_format(static_cast<int>(bits), static_cast<int>(group), !asym);
    if (!uniform) r.fail("bits", fmt::format("no format with bits {} group_size {}{}", bits, group, asym ? " asym" : ""));
    q.format = *uniform;
  }
  if (q.method == "smoothquant" && q.format != quant::QuantFormat::kInt8) {
    r.fail("format", fmt::format("smoothquant is W8A8: int8 weights, not {}", quant::to_string(q.format)));
  }
  if (const Json* lf = r.get("layer_formats")) {
    parse_layer_formats(r, *lf, q);
    if (q.method == "smoothquant" && !q.layer_formats.empty()) {
      r.fail("layer_formats", "smoothquant is W8A8 (int8 everywhere): no per-layer formats");
    }
  }
  q.skip = string_list(r, "skip");
  for (const auto& re : q.skip) {
    try {
      std::regex test(re);
    } catch (const std::regex_error& e) {
      r.fail("skip", fmt::format("'{}' is not a valid regular expression ({})", re, e.what()));
    }
  }
  q.lm_head = r.boolean("lm_head").value_or(false);
  q.clip = r.boolean("clip").value_or(false);
  q.act_order = r.boolean("act_order").value_or(false);
  q.static_groups = r.boolean("static_groups").value_or(false);
  q.damp = r.number("damp").value_or(0.01);
  if (!(q.damp > 0.0 && q.damp < 1.0)) r.fail("damp", fmt::format("{} is outside (0, 1)", q.damp));
  if (r.has("alpha")) {
    const Json* a = r.get("alpha");
    if (a->is_string() && a->get<std::string>() == "search") {
      q.alpha.reset();
    } else if (a->is_number() && a->get<double>() >= 0.0 && a->get<double>() <= 1.0) {
      q.alpha = a->get<double>();
    } else {
      r.fail("alpha", fmt::format("expected a number in [0, 1] or \"search\", got {}", a->dump()));
    }
  }
  r.finish(kQuantizeKeys);
  return s;
}

StepSpec parse_prune(StepReader& r) {
  static constexpr std::array<std::string_view, 4> kMethods = {"magnitude", "wanda", "sparsegpt", "none"};
  static constexpr std::array<std::string_view, 2> kStorage = {"dense", "sparse24"};
  static constexpr std::array<std::string_view, 2> kScopes = {"tensor", "row"};
  StepSpec s;
  s.op = "prune";
  PruneOptions& p = s.spec.emplace<PruneSpec>().options;
  const std::string method = r.choice("method", "wanda", kMethods);
  s.noop = method == "none";
  if (!s.noop) p.method = *prune_method_from_string(method);
  if (r.has("sparsity") && r.has("pattern")) {
    r.fail("pattern", "sparsity and pattern exclude each other: an unstructured fraction or N:M");
  }
  if (const auto pat = r.str("pattern")) {
    try {
      p.pattern = SparsityPattern::parse(*pat, "pattern");
    } catch (const ConfigError& e) {
      r.fail("pattern", e.what());
    }
    if (!p.pattern.is_nm()) r.fail("pattern", fmt::format("'{}': expected N:M such as 2:4 (use sparsity for a fraction)", *pat));
  } else {
    p.pattern = SparsityPattern::unstructured(r.fraction("sparsity").value_or(0.5));
    if (p.pattern.ratio == 0.0) s.noop = true;
  }
  p.owl = r.boolean("owl").value_or(false);
  // OWL sets per-layer unstructured sparsity from Wanda scores: the other
  // methods and N:M ignore it.
  if (p.method == PruneMethod::kMagnitude || p.pattern.is_nm()) p.owl = false;
  if (p.owl && !s.noop &&
      !(p.pattern.ratio - p.owl_options.lambda > 0.0 && p.pattern.ratio + p.owl_options.lambda < 1.0)) {
    r.fail("owl", fmt::format("the layers' sparsity {} ± {} must stay within (0, 1)", p.pattern.ratio,
                              p.owl_options.lambda));
  }
  p.storage = *sparse_storage_from_string(r.choice("storage", "dense", kStorage));
  if (p.storage == SparseStorage::kSparse24 && !(p.pattern.is_nm() && p.pattern.m == 4 && p.pattern.n <= 2)) {
    r.fail("storage", fmt::format("sparse24 needs pattern 2:4 (or 1:4), not {}", p.pattern.to_string()));
  }
  if (const auto f = r.str("quantize")) {
    p.quantize = r.format("quantize", *f);
    if (p.method != PruneMethod::kSparseGpt && !s.noop) {
      r.fail("quantize", "joint pruning and quantization goes with method sparsegpt; for the other methods add a "
                         "quantize step after the prune step");
    }
    if (p.storage != SparseStorage::kDense) r.fail("quantize", "a joint quantize stores the weights pack-quantized: it excludes storage sparse24");
  }
  p.magnitude_scope = r.choice("scope", "tensor", kScopes) == "row" ? MaskScope::kPerRow : MaskScope::kPerTensor;
  r.finish(kPruneKeys);
  return s;
}

StepSpec parse_structured(StepReader& r, std::string_view op) {
  static constexpr std::array<std::string_view, 2> kUnits = {"group", "query"};
  static constexpr std::array<std::string_view, 3> kImportance = {"auto", "activation", "magnitude"};
  StepSpec s;
  s.op = std::string(op);
  StructuredSpec& st = s.spec.emplace<StructuredSpec>();
  if (op == "drop_layers") {
    st.options.kind = StructuredKind::kLayers;
    if (r.has("layers") && r.has("count")) r.fail("count", "layers and count exclude each other");
    if (const Json* l = r.get("layers")) {
      if (!l->is_array()) r.fail("layers", fmt::format("expected a list of layer numbers, got {}", l->dump()));
      for (const auto& e : *l) {
        if (!e.is_number_integer() || e.get<int64_t>() < 0) {
          r.fail("layers", fmt::format("expected layer numbers (0, 1, ...), got {}", e.dump()));
        }
        st.options.drop_layers.push_back(e.get<int64_t>());
      }
      std::sort(st.options.drop_layers.begin(), st.options.drop_layers.end());
      if (std::adjacent_find(st.options.drop_layers.begin(), st.options.drop_layers.end()) != st.options.drop_layers.end()) {
        r.fail("layers", "a layer is listed twice");
      }
      s.noop = st.options.drop_layers.empty();
    } else if (const auto c = r.integer("count")) {
      if (*c < 0) r.fail("count", fmt::format("{} is negative", *c));
      st.drop_count = *c;
      s.noop = *c == 0;
    } else {
      r.fail("", "give the layers to drop (layers: [2, 3]) or how many (count: N, by lowest block influence)");
    }
    r.finish(kDropKeys);
    return s;
  }
  st.options.kind = op == "prune_heads" ? StructuredKind::kHeads : StructuredKind::kChannels;
  const auto ratio = r.fraction("ratio");
  if (!ratio) r.fail("ratio", "missing: the fraction removed, e.g. ratio: 0.25");
  st.options.ratio = *ratio;
  s.noop = *ratio == 0.0;
  st.importance = r.choice("importance", "auto", kImportance);
  if (op == "prune_heads") {
    st.options.head_unit = *head_unit_from_string(r.choice("unit", "group", kUnits));
    r.finish(kHeadsKeys);
  } else {
    r.finish(kChannelsKeys);
  }
  return s;
}

}  // namespace

std::span<const std::string_view> pipeline_ops() { return kOps; }

std::span<const std::string_view> pipeline_op_keys(std::string_view op) {
  if (op == "quantize") return kQuantizeKeys;
  if (op == "prune") return kPruneKeys;
  if (op == "prune_heads") return kHeadsKeys;
  if (op == "prune_channels") return kChannelsKeys;
  if (op == "drop_layers") return kDropKeys;
  return {};
}

PipelineError::PipelineError(size_t step, std::string op, std::string key, std::string problem)
    : ConfigError(key.empty() ? fmt::format("pipeline step {} ({}): {}", step + 1, op, problem)
                              : fmt::format("pipeline step {} ({}): key '{}': {}", step + 1, op, key, problem)),
      step_(step),
      op_(std::move(op)),
      key_(std::move(key)),
      problem_(std::move(problem)) {}

bool StepSpec::quantizes() const {
  if (noop) return false;
  if (op == "quantize") return true;
  return op == "prune" && prune().options.quantize.has_value();
}

bool StepSpec::needs_calibration() const {
  if (noop) return false;
  if (op == "quantize") return quantize().method != "rtn";
  if (op == "prune") return prune().options.method != PruneMethod::kMagnitude;
  if (op == "drop_layers") return structured().drop_count > 0;
  return structured().importance == "activation";
}

StepSpec parse_step(const PipelineStep& step, size_t index) {
  StepReader r(step, index);
  if (step.op == "quantize") return parse_quantize(r);
  if (step.op == "prune") return parse_prune(r);
  if (step.op == "prune_heads" || step.op == "prune_channels" || step.op == "drop_layers") {
    return parse_structured(r, step.op);
  }
  throw PipelineError(index, step.op, "",
                      fmt::format("unknown op '{}'{}; choose one of: {}", step.op, hint(step.op, kOps), join(kOps)));
}

std::string closest_name(std::string_view name, std::span<const std::string_view> names) {
  // Levenshtein distance; a name within a third of its length (at least 1,
  // at most 3 edits) is a likely typo.
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      cur[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
        cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      }
      std::swap(prev, cur);
    }
    return prev[b.size()];
  };
  const size_t limit = std::clamp<size_t>(name.size() / 3, 1, 3);
  std::string best;
  size_t best_d = limit + 1;
  for (auto n : names) {
    const size_t d = distance(name, n);
    if (d < best_d) {
      best_d = d;
      best = std::string(n);
    }
  }
  return best;
}

}  // namespace slimlm::compress
