#include "slimlm/search/recipe_space.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "slimlm/core/error.h"

namespace slimlm::search {
namespace {

using Json = nlohmann::ordered_json;

const SearchConfig& search_of(const StudyConfig& c) {
  if (!c.search) throw ConfigError(fmt::format("{}: the config has no search section", c.source.string()));
  return *c.search;
}

// The space entry a parameter comes from and, for per-layer ones, its layer.
struct ParamSource {
  const SpaceEntry* entry = nullptr;
  int64_t layer = -1;
};

ParamSource source_of(const SearchConfig& s, const std::string& name) {
  for (const SpaceEntry& e : s.space) {
    if (e.kind != SpaceEntry::Kind::kPerLayer && name == e.key) return {&e, -1};
    if (e.kind == SpaceEntry::Kind::kPerLayer && name.size() > e.key.size() + 1 && name.starts_with(e.key + ".")) {
      return {&e, std::strtoll(name.c_str() + e.key.size() + 1, nullptr, 10)};
    }
  }
  throw ConfigError(fmt::format("search space parameter '{}' is not in the config's search.space", name));
}

std::string choice_text(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

// Floats as the shortest decimal a person would write (0.3, not
// 0.30000000000000004), so recipes and summaries read cleanly.
Json float_json(double v) {
  const std::string s = fmt::format("{:.12g}", v);
  return std::strtod(s.c_str(), nullptr);
}

bool same_value(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return std::abs(a.get<double>() - b.get<double>()) <= 1e-12 * (1 + std::abs(a.get<double>()));
  return a == b;
}

compress::PipelineStep* find_step(std::vector<compress::PipelineStep>& steps, const std::string& op) {
  for (auto& s : steps) {
    if (s.op == op) return &s;
  }
  return nullptr;
}

const compress::PipelineStep* find_step(const std::vector<compress::PipelineStep>& steps, const std::string& op) {
  for (const auto& s : steps) {
    if (s.op == op) return &s;
  }
  return nullptr;
}

std::vector<compress::PipelineStep> build_pipeline(const StudyConfig& config, const SearchSpace& space,
                                                   const Candidate& candidate) {
  const SearchConfig& s = search_of(config);
  if (candidate.size() != space.size()) {
    throw Error(fmt::format("candidate_pipeline: {} values for {} parameters", candidate.size(), space.size()));
  }
  const Candidate c = space.clamp(candidate);
  std::vector<compress::PipelineStep> steps = s.template_steps;
  for (auto& st : steps) {
    if (st.params.is_null()) st.params = Json::object();
  }
  for (size_t i = 0; i < space.size(); ++i) {
    const Param& p = space.params()[i];
    const ParamSource src = source_of(s, p.name);
    compress::PipelineStep* step = find_step(steps, src.entry->op);
    if (!step) throw ConfigError(fmt::format("search space parameter '{}': the template has no {} step", p.name, src.entry->op));
    Json value;
    switch (p.kind) {
      case Param::Kind::kCategorical: value = src.entry->choices.at(static_cast<size_t>(std::llround(c[i]))); break;
      case Param::Kind::kInt: value = static_cast<int64_t>(std::llround(c[i])); break;
      case Param::Kind::kFloat: value = float_json(c[i]); break;
    }
    if (src.layer >= 0) {
      Json& lf = step->params[src.entry->param];
      if (!lf.is_object()) lf = Json::object();
      lf[std::to_string(src.layer)] = value;
    } else {
      step->params[src.entry->param] = value;
    }
  }
  // Steps that do nothing (method none, zero amounts) leave the recipe, so
  // equal pipelines read the same in the registry and the report.
  const std::vector<compress::StepSpec> specs = compress::parse_pipeline(steps);
  std::vector<compress::PipelineStep> out;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (!specs[i].noop) out.push_back(std::move(steps[i]));
  }
  return out;
}

}  // namespace

SearchSpace build_search_space(const StudyConfig& config, const io::ModelConfig& model) {
  const SearchConfig& s = search_of(config);
  SearchSpace space;
  for (const SpaceEntry& e : s.space) {
    Param p;
    p.name = e.key;
    switch (e.kind) {
      case SpaceEntry::Kind::kChoices:
        p.kind = Param::Kind::kCategorical;
        for (const auto& v : e.choices) p.choices.push_back(choice_text(v));
        space.add(std::move(p));
        break;
      case SpaceEntry::Kind::kRange:
        p.kind = e.integer ? Param::Kind::kInt : Param::Kind::kFloat;
        p.low = e.low;
        p.high = e.high;
        p.step = e.step;
        p.log = e.log;
        space.add(std::move(p));
        break;
      case SpaceEntry::Kind::kPerLayer:
        for (int64_t l = 0; l < model.num_hidden_layers; ++l) {
          Param q;
          q.name = fmt::format("{}.{}", e.key, l);
          q.kind = Param::Kind::kCategorical;
          for (const auto& v : e.choices) q.choices.push_back(choice_text(v));
          space.add(std::move(q));
        }
        break;
    }
  }
  return space;
}

std::vector<compress::PipelineStep> candidate_pipeline(const StudyConfig& config, const SearchSpace& space,
                                                       const Candidate& candidate) {
  return build_pipeline(config, space, candidate);
}

std::vector<compress::PipelineStep> candidate_pipeline(const StudyConfig& config, const SearchSpace& space,
                                                       const Candidate& candidate, const io::ModelConfig& model) {
  std::vector<compress::PipelineStep> steps = build_pipeline(config, space, candidate);
  compress::validate_pipeline(steps, model);
  return steps;
}

std::optional<Candidate> pipeline_candidate(const StudyConfig& config, const SearchSpace& space,
                                            const std::vector<compress::PipelineStep>& steps) {
  const SearchConfig& s = search_of(config);
  Candidate c(space.size(), 0.0);
  for (size_t i = 0; i < space.size(); ++i) {
    const Param& p = space.params()[i];
    const ParamSource src = source_of(s, p.name);
    const compress::PipelineStep* step = find_step(steps, src.entry->op);
    const compress::PipelineStep* tmpl = find_step(s.template_steps, src.entry->op);
    Json value;
    if (!step) {
      // The step is absent: "none" for its method or a zero amount says so;
      // the step's other parameters do not matter (the first value stands).
      if (src.entry->param == "method") {
        value = "none";
      } else if (src.entry->param == "sparsity" || src.entry->param == "ratio" || src.entry->param == "count") {
        value = 0;
      } else {
        c[i] = p.kind == Param::Kind::kCategorical ? 0.0 : p.low;
        continue;
      }
    } else {
      auto read = [&](const compress::PipelineStep* st) -> Json {
        if (!st || !st->params.is_object()) return nullptr;
        if (src.layer < 0) return st->params.value(src.entry->param, Json());
        const Json lf = st->params.value(src.entry->param, Json());
        if (lf.is_object()) return lf.value(std::to_string(src.layer), Json());
        if (lf.is_array() && static_cast<size_t>(src.layer) < lf.size()) return lf[static_cast<size_t>(src.layer)];
        return nullptr;
      };
      value = read(step);
      if (value.is_null()) value = read(tmpl);
      if (value.is_null() && src.layer >= 0) value = step->params.value("format", Json());  // the step's default
      if (value.is_null()) return std::nullopt;
    }
    if (p.kind == Param::Kind::kCategorical) {
      const auto& ch = src.entry->choices;
      const auto it = std::find_if(ch.begin(), ch.end(), [&](const Json& v) { return same_value(v, value); });
      if (it != ch.end()) {
        c[i] = static_cast<double>(it - ch.begin());
      } else if (step) {
        return std::nullopt;
      }
    } else if (value.is_number() && value.get<double>() >= p.low && value.get<double>() <= p.high) {
      c[i] = value.get<double>();
    } else if (step) {
      return std::nullopt;
    } else {
      c[i] = p.low;
    }
  }
  const Candidate snapped = space.clamp(c);
  for (size_t i = 0; i < c.size(); ++i) {
    if (std::abs(snapped[i] - c[i]) > 1e-9 * (1 + std::abs(c[i]))) return std::nullopt;
  }
  // Several candidates can stand for one pipeline (a removed step's other
  // values do not matter), and a step may hold keys the template lacks:
  // accept the candidate only when it builds the same recipe.
  try {
    if (compress::pipeline_summary(build_pipeline(config, space, snapped)) != compress::pipeline_summary(steps)) {
      return std::nullopt;
    }
  } catch (const ConfigError&) {
    return std::nullopt;
  }
  return snapped;
}

}  // namespace slimlm::search
