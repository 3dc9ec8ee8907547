#include "slimlm/report/json_report.h"

#include <cmath>

namespace slimlm::report {
namespace {

using Json = nlohmann::ordered_json;

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json numbers(const std::vector<double>& v) {
  Json a = Json::array();
  for (double x : v) a.push_back(number(x));
  return a;
}

// Embedded as structure when it is JSON, else kept as the text it is.
Json embedded(const std::string& text) {
  if (text.empty()) return nullptr;
  auto j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json(text) : j;
}

Json params_json(const TrialData& t) {
  // The stored candidate keeps its JSON types (numbers stay numbers).
  auto j = Json::parse(t.params_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_object()) return j;
  Json o = Json::object();
  for (const auto& p : t.params) o[p.name] = p.text;
  return o;
}

}  // namespace

Json metrics_to_json(const MetricMap& metrics) {
  Json o = Json::object();
  for (const auto& [name, m] : metrics) {
    Json v = {{"value", number(m.value)}, {"unit", m.unit}};
    v["std_error"] = m.std_error ? number(*m.std_error) : Json(nullptr);
    o[name] = std::move(v);
  }
  return o;
}

Json study_to_json(const StudyData& s) {
  Json j;
  Json objectives = Json::array();
  for (const auto& o : s.objectives) {
    objectives.push_back({{"metric", o.metric}, {"direction", std::string(search::to_string(o.direction))}});
  }
  j["study"] = {{"name", s.name},
                {"sampler", s.sampler},
                {"status", s.status},
                {"created_at", s.created_at},
                {"updated_at", s.updated_at},
                {"model", s.model},
                {"slimlm_version", s.slimlm_version},
                {"objectives", objectives},
                {"hardware", embedded(s.hardware_json)},
                {"config_yaml", s.config_yaml}};
  // metric -> {rho, trials}; empty when the study ran without a proxy.
  Json rho = Json::object();
  for (const auto& c : s.proxy_correlation) {
    rho[c.metric] = {{"rho", c.rho ? number(*c.rho) : Json(nullptr)}, {"trials", c.trials}};
  }
  j["study"]["proxy_spearman"] = std::move(rho);
  Json frontier = Json::array();
  for (const TrialData* t : s.frontier()) frontier.push_back(t->number);
  j["frontier"] = frontier;
  Json trials = Json::array();
  for (const auto& t : s.trials) {
    Json o;
    o["number"] = t.number;
    o["generation"] = t.generation;
    o["stage"] = t.stage;
    o["state"] = std::string(registry::to_string(t.state));
    o["summary"] = t.summary;
    o["params"] = params_json(t);
    o["objectives"] = numbers(t.objectives);
    o["proxy_objectives"] = numbers(t.proxy_objectives);
    o["violation"] = number(t.violation);
    o["feasible"] = t.feasible();
    o["frontier"] = t.on_frontier;
    o["error"] = t.error;
    o["run_id"] = t.run_id ? Json(*t.run_id) : Json(nullptr);
    o["artifact_path"] = t.artifact_path;
    o["recipe"] = embedded(t.recipe_json);
    o["metrics"] = metrics_to_json(t.metrics);
    trials.push_back(std::move(o));
  }
  j["trials"] = std::move(trials);
  Json refs = Json::array();
  for (const auto& r : s.references) {
    refs.push_back({{"run_id", r.id},
                    {"kind", r.kind},
                    {"summary", r.summary},
                    {"status", std::string(registry::to_string(r.status))},
                    {"error", r.error},
                    {"recipe", embedded(r.recipe_json)},
                    {"metrics", metrics_to_json(r.metrics)}});
  }
  j["references"] = std::move(refs);
  Json sens = Json::array();
  for (const auto& c : s.sensitivity) {
    sens.push_back({{"layer", c.layer}, {"variant", c.variant}, {"metric", c.metric}, {"value", number(c.value)}});
  }
  j["sensitivity"] = std::move(sens);
  return j;
}

std::string study_json(const StudyData& s) {
  // replace: a stray invalid UTF-8 byte in an error message must not abort the report.
  return study_to_json(s).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace slimlm::report
