#include "slimlm/report/load_study.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>

#include "slimlm/core/error.h"
#include "slimlm/report/study_summary.h"

namespace slimlm::report {
namespace {

using Json = nlohmann::ordered_json;

MetricMap metric_map(const std::vector<registry::MetricRecord>& records) {
  MetricMap m;
  for (const auto& r : records) m[r.name] = MetricValue{r.value, r.unit, r.std_error};
  return m;
}

std::string known_studies(const std::vector<registry::StudyRecord>& studies) {
  std::string out;
  for (const auto& s : studies) out += (out.empty() ? "" : ", ") + s.name;
  return out;
}

// The runner's "proxy_spearman" blob: {"kld/mean": 0.956, "model/file_bytes":
// null, ...}. Listed in objective order (then any other metric it names), each
// with the number of trials it was computed over, counted from the trials.
std::vector<ProxyCorrelation> proxy_correlation(const StudyData& s, const std::string& text) {
  const auto j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto bad = [&](const std::string& why) {
    return FormatError(fmt::format("study {}: blob \"proxy_spearman\" {}: {}", s.name, why, text));
  };
  if (!j.is_object()) throw bad("is not a JSON object of metric -> rho");
  for (const auto& [metric, rho] : j.items()) {
    if (!rho.is_null() && !rho.is_number()) throw bad(fmt::format("has a non-numeric rho for '{}'", metric));
  }
  std::vector<ProxyCorrelation> out;
  const auto add = [&](const std::string& metric, const Json& rho, size_t trials) {
    out.push_back({metric, rho.is_number() ? std::optional<double>(rho.get<double>()) : std::nullopt, trials});
  };
  for (size_t i = 0; i < s.objectives.size(); ++i) {
    if (auto it = j.find(s.objectives[i].metric); it != j.end()) add(it.key(), *it, proxy_pair_count(s, i));
  }
  for (const auto& [metric, rho] : j.items()) {
    const bool objective = std::any_of(s.objectives.begin(), s.objectives.end(),
                                       [&](const search::Objective& o) { return o.metric == metric; });
    if (!objective) add(metric, rho, 0);
  }
  return out;
}

}  // namespace

std::vector<search::Objective> parse_objectives(const std::string& json, const std::string& what) {
  std::vector<search::Objective> out;
  if (json.empty()) return out;
  const auto j = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_array()) throw FormatError(fmt::format("{}: objectives are not a JSON array: {}", what, json));
  for (const auto& o : j) {
    if (!o.is_object() || !o.contains("metric") || !o["metric"].is_string()) {
      throw FormatError(fmt::format("{}: objective without a \"metric\" string: {}", what, o.dump()));
    }
    search::Objective obj{o["metric"].get<std::string>(), search::Direction::kMinimize};
    if (o.contains("direction")) {
      const auto d = o["direction"].is_string() ? search::direction_from_string(o["direction"].get<std::string>())
                                                : std::nullopt;
      if (!d) {
        throw FormatError(fmt::format("{}: objective {}: bad direction {}", what, obj.metric, o["direction"].dump()));
      }
      obj.direction = *d;
    }
    out.push_back(std::move(obj));
  }
  return out;
}

std::vector<ParamValue> parse_params(const std::string& params_json) {
  std::vector<ParamValue> out;
  const auto j = Json::parse(params_json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) out.push_back({k, v.is_string() ? v.get<std::string>() : v.dump()});
  return out;
}

StudyData load_study_data(const registry::Registry& reg, const std::string& name) {
  const auto studies = reg.studies();
  if (studies.empty()) throw ConfigError(fmt::format("registry {} holds no study", reg.path().string()));
  registry::StudyRecord rec;
  if (name.empty()) {
    rec = *std::max_element(studies.begin(), studies.end(), [](const auto& a, const auto& b) {
      return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
    });
  } else {
    auto found = reg.find_study(name);
    if (!found) {
      throw ConfigError(fmt::format("--study: no study '{}' in {} (known: {})", name, reg.path().string(),
                                    known_studies(studies)));
    }
    rec = *found;
  }

  StudyData s;
  s.name = rec.name;
  s.config_yaml = rec.config_yaml;
  s.sampler = rec.sampler;
  s.status = rec.status;
  s.created_at = rec.created_at;
  s.updated_at = rec.updated_at;
  s.objectives = parse_objectives(rec.objectives_json, "study " + rec.name);

  registry::Registry::RunFilter filter;
  filter.study_id = rec.id;
  auto runs = reg.runs(filter);  // newest first
  std::reverse(runs.begin(), runs.end());
  const auto run_by_id = [&](int64_t id) -> const registry::RunRecord* {
    auto it = std::find_if(runs.begin(), runs.end(), [&](const auto& r) { return r.id == id; });
    return it == runs.end() ? nullptr : &*it;
  };
  for (const auto& r : runs) {
    // The machine and model of the study: those its runs recorded.
    if (s.model.empty()) s.model = r.base_model;
    if (s.hardware_json.empty()) s.hardware_json = r.hardware;
    if (s.slimlm_version.empty()) s.slimlm_version = r.slimlm_version;
    if (r.kind == "trial" || r.kind == "sensitivity") continue;
    s.references.push_back(
        ReferenceRun{r.id, r.kind, r.summary, r.recipe_json, r.status, r.error, metric_map(r.metrics)});
  }

  for (const auto& tr : reg.trials(rec.id)) {
    TrialData t;
    t.number = tr.number;
    t.generation = tr.generation;
    t.stage = tr.stage;
    t.state = tr.state;
    t.params_json = tr.params_json;
    t.params = parse_params(tr.params_json);
    t.objectives = tr.objectives;
    t.proxy_objectives = tr.proxy_objectives;
    t.violation = tr.violation;
    t.error = tr.error;
    t.run_id = tr.run_id;
    // A trial reaped back to pending loses its run_id; its runs still name it.
    const registry::RunRecord* run = tr.run_id ? run_by_id(*tr.run_id) : nullptr;
    if (!run) {
      for (auto it = runs.rbegin(); it != runs.rend(); ++it) {
        if (it->kind == "trial" && it->trial_number == tr.number) {
          run = &*it;
          break;
        }
      }
    }
    if (run) {
      t.summary = run->summary;
      t.recipe_json = run->recipe_json;
      t.artifact_path = run->artifact_path;
      t.metrics = metric_map(run->metrics);
      if (!t.run_id) t.run_id = run->id;
      if (t.error.empty() && run->status == registry::RunStatus::kFailed) t.error = run->error;
    }
    if (t.summary.empty()) t.summary = params_summary(t.params);
    s.trials.push_back(std::move(t));
  }

  for (const auto& c : reg.sensitivity(rec.id)) s.sensitivity.push_back({c.layer, c.variant, c.metric, c.value});
  mark_frontier(s);
  if (const auto rho = reg.blob(rec.id, "proxy_spearman")) s.proxy_correlation = proxy_correlation(s, *rho);
  return s;
}

}  // namespace slimlm::report
