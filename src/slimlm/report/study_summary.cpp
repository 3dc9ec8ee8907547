#include "slimlm/report/study_summary.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace slimlm::report {

std::string hardware_summary(const std::string& text) {
  if (text.empty()) return {};
  const auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return text;
  std::vector<std::string> parts;
  if (j.contains("cpu") && j["cpu"].is_string()) parts.push_back(j["cpu"].get<std::string>());
  if (j.contains("logical_cores") && j["logical_cores"].is_number()) {
    parts.push_back(fmt::format("{} cores", j["logical_cores"].get<int64_t>()));
  }
  if (j.contains("isa") && j["isa"].is_string()) parts.push_back(j["isa"].get<std::string>());
  if (j.contains("memory_bytes") && j["memory_bytes"].is_number()) {
    parts.push_back(fmt::format("{:.1f} GiB", j["memory_bytes"].get<double>() / (1024.0 * 1024 * 1024)));
  }
  if (j.contains("os") && j["os"].is_string()) parts.push_back(j["os"].get<std::string>());
  if (j.contains("gpus") && j["gpus"].is_array()) {
    for (const auto& g : j["gpus"]) {
      if (g.is_string()) {
        parts.push_back(g.get<std::string>());
      } else if (g.is_object() && g.contains("name") && g["name"].is_string()) {
        parts.push_back(g["name"].get<std::string>());
      }
    }
  }
  if (parts.empty()) return text;
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string trial_counts_text(const StudyData& s) {
  using registry::TrialState;
  std::string out = fmt::format("{} trial{}", s.trials.size(), s.trials.size() == 1 ? "" : "s");
  std::string parts;
  for (auto st : {TrialState::kComplete, TrialState::kFailed, TrialState::kSkipped, TrialState::kRunning,
                  TrialState::kPending}) {
    const size_t n = s.count(st);
    if (n == 0) continue;
    parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", n, registry::to_string(st));
  }
  return parts.empty() ? out : out + ": " + parts;
}

std::string objectives_text(const StudyData& s) {
  std::string out;
  for (const auto& o : s.objectives) {
    out += fmt::format("{}{} ({})", out.empty() ? "" : ", ", o.metric, search::to_string(o.direction));
  }
  return out;
}

std::string proxy_correlation_text(const StudyData& s) {
  std::string out;
  for (const auto& c : s.proxy_correlation) {
    const std::string rho = c.rho && std::isfinite(*c.rho) ? fmt::format("ρ = {:.3f}", *c.rho) : "ρ undefined";
    out += fmt::format("{}{} {} over {} trial{}", out.empty() ? "" : ", ", c.metric, rho, c.trials,
                       c.trials == 1 ? "" : "s");
  }
  return out;
}

std::string params_summary(const std::vector<ParamValue>& params) {
  std::string out;
  for (const auto& p : params) out += fmt::format("{}{}={}", out.empty() ? "" : ", ", p.name, p.text);
  return out;
}

std::string pretty_recipe(const std::string& recipe_json) {
  const auto j = nlohmann::ordered_json::parse(recipe_json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return recipe_json;
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace slimlm::report
