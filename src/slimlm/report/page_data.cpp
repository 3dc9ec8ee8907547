#include "slimlm/report/page_data.h"

#include <fmt/format.h>

#include <cmath>

#include "slimlm/report/metric_info.h"
#include "slimlm/report/plots.h"

namespace slimlm::report {
namespace {

using Json = nlohmann::ordered_json;

Json number(double v) { return std::isfinite(v) ? Json(v) : Json(nullptr); }

Json axis_json(const PlotAxis& a) {
  return {{"metric", a.metric}, {"unit", a.unit}, {"direction", std::string(search::to_string(a.direction))}};
}

// Tooltip lines: the key metrics first (objectives, size, quality, speed,
// energy), then the proxy's predictions when the trial has them.
Json trial_json(const StudyData& s, const TrialData& t, const std::vector<std::string>& keys) {
  Json lines = Json::array();
  for (const auto& m : keys) {
    if (auto it = t.metrics.find(m); it != t.metrics.end()) {
      lines.push_back(Json::array({m, format_value(it->second)}));
    } else if (auto v = metric_value(s, t, m)) {
      lines.push_back(Json::array({m, format_value(*v, metric_unit(s, m))}));
    }
  }
  if (t.proxy_objectives.size() == s.objectives.size()) {
    for (size_t i = 0; i < s.objectives.size(); ++i) {
      const auto& m = s.objectives[i].metric;
      lines.push_back(Json::array({m + " (proxy)", format_value(t.proxy_objectives[i], metric_unit(s, m))}));
    }
  }
  Json j = {{"number", t.number},
            {"summary", t.summary},
            {"state", std::string(registry::to_string(t.state))},
            {"stage", t.stage},
            {"frontier", t.on_frontier},
            {"feasible", t.feasible()},
            {"violation", number(t.violation)},
            {"error", t.error},
            {"lines", std::move(lines)}};
  return j;
}

}  // namespace

Json html_page_data(const StudyData& s) {
  const auto keys = key_metrics(s);
  Json trials = Json::object();
  for (const auto& t : s.trials) trials[std::to_string(t.number)] = trial_json(s, t, keys);

  Json plots = Json::array();
  for (const auto& p : build_plots(s)) {
    Json points = Json::array();
    for (const auto& pt : p.points) {
      points.push_back({{"trial", pt.trial},
                        {"x", pt.x},
                        {"y", pt.y},
                        {"kind", std::string(to_string(pt.kind))},
                        {"proxy", pt.proxy}});
    }
    plots.push_back({{"id", p.id},
                     {"title", p.title},
                     {"x", axis_json(p.x)},
                     {"y", axis_json(p.y)},
                     {"points", std::move(points)},
                     {"front", p.front},
                     {"omitted", p.omitted}});
  }

  Json heatmaps = Json::array();
  for (const auto& h : build_heatmaps(s)) {
    Json values = Json::array();
    for (const auto& row : h.values) {
      Json r = Json::array();
      for (const auto& v : row) r.push_back(v ? number(*v) : Json(nullptr));
      values.push_back(std::move(r));
    }
    heatmaps.push_back({{"metric", h.metric},
                        {"unit", metric_unit(s, h.metric)},
                        {"layers", h.layers},
                        {"variants", h.variants},
                        {"values", std::move(values)},
                        {"min", number(h.min)},
                        {"max", number(h.max)},
                        {"log", h.log_scale},
                        {"direction", std::string(search::to_string(h.direction))}});
  }
  return {{"study", s.name},
          {"trials", std::move(trials)},
          {"plots", std::move(plots)},
          {"heatmaps", std::move(heatmaps)}};
}

}  // namespace slimlm::report
