#include "slimlm/report/plots.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "slimlm/report/metric_info.h"
#include "slimlm/search/pareto.h"

namespace slimlm::report {
namespace {

struct Coord {
  double value = 0;
  bool proxy = false;
};

// A trial's value of a metric: measured (objective, else its run's metric),
// else the proxy's prediction of an objective.
std::optional<Coord> coordinate(const StudyData& s, const TrialData& t, const std::string& metric) {
  if (auto v = metric_value(s, t, metric); v && std::isfinite(*v)) return Coord{*v, false};
  if (t.proxy_objectives.size() == s.objectives.size()) {
    for (size_t i = 0; i < s.objectives.size(); ++i) {
      if (s.objectives[i].metric == metric && std::isfinite(t.proxy_objectives[i])) {
        return Coord{t.proxy_objectives[i], true};
      }
    }
  }
  return std::nullopt;
}

PlotAxis axis(const StudyData& s, const std::string& metric) {
  return {metric, metric_unit(s, metric), direction_of(s, metric)};
}

double minimization(double v, search::Direction d) { return d == search::Direction::kMaximize ? -v : v; }

PlotSpec build_plot(const StudyData& s, const std::string& xm, const std::string& ym, std::string title) {
  PlotSpec p;
  p.id = xm + " vs " + ym;
  p.title = std::move(title);
  p.x = axis(s, xm);
  p.y = axis(s, ym);
  std::vector<std::vector<double>> front_points;
  std::vector<size_t> front_index;  // into p.points
  for (const auto& t : s.trials) {
    const auto cx = coordinate(s, t, xm);
    const auto cy = coordinate(s, t, ym);
    if (!cx || !cy) {
      p.omitted.push_back(t.number);
      continue;
    }
    PlotPoint pt;
    pt.trial = t.number;
    pt.x = cx->value;
    pt.y = cy->value;
    pt.proxy = cx->proxy || cy->proxy;
    pt.kind = !t.feasible() ? MarkKind::kInfeasible : t.on_frontier ? MarkKind::kFrontier : MarkKind::kFeasible;
    // The step line joins what was measured and is feasible, like the frontier.
    if (!pt.proxy && t.feasible() && t.state == registry::TrialState::kComplete) {
      front_points.push_back({minimization(pt.x, p.x.direction), minimization(pt.y, p.y.direction)});
      front_index.push_back(p.points.size());
    }
    p.points.push_back(pt);
  }
  if (!front_points.empty()) {
    std::vector<std::pair<double, int64_t>> front;  // (x in minimisation form, trial)
    std::set<std::pair<double, double>> seen;       // equal points: one step
    for (size_t k : search::pareto_front(front_points)) {
      if (!seen.insert({front_points[k][0], front_points[k][1]}).second) continue;
      front.emplace_back(front_points[k][0], p.points[front_index[k]].trial);
    }
    std::sort(front.begin(), front.end());
    for (const auto& [x, trial] : front) p.front.push_back(trial);
  }
  return p;
}

bool same_pair(const PlotSpec& p, const std::string& a, const std::string& b) {
  return (p.x.metric == a && p.y.metric == b) || (p.x.metric == b && p.y.metric == a);
}

}  // namespace

std::string_view to_string(MarkKind kind) {
  switch (kind) {
    case MarkKind::kFrontier: return "frontier";
    case MarkKind::kFeasible: return "feasible";
    case MarkKind::kInfeasible: return "infeasible";
  }
  return "feasible";
}

std::vector<PlotSpec> build_plots(const StudyData& s) {
  std::vector<PlotSpec> plots;
  const auto& obj = s.objectives;
  for (size_t i = 0; i < obj.size(); ++i) {
    for (size_t j = i + 1; j < obj.size(); ++j) {
      std::string xm = obj[i].metric, ym = obj[j].metric;
      // Quality reads best upward, against what it costs.
      if (metric_family(xm) == MetricFamily::kQuality && metric_family(ym) != MetricFamily::kQuality) {
        std::swap(xm, ym);
      }
      plots.push_back(build_plot(s, xm, ym, ym + " vs " + xm));
    }
  }
  const std::string quality = quality_metric(s);
  const auto derived = [&](const std::string& xm, const char* what) {
    if (quality.empty() || xm.empty() || xm == quality) return;
    for (const auto& p : plots) {
      if (same_pair(p, xm, quality)) return;
    }
    plots.push_back(build_plot(s, xm, quality, std::string("quality vs ") + what));
  };
  derived(size_metric(s), "size");
  derived(decode_speed_metric(s), "decode speed");
  return plots;
}

std::vector<HeatMap> build_heatmaps(const StudyData& s) {
  std::vector<HeatMap> maps;
  for (const auto& c : s.sensitivity) {
    auto it = std::find_if(maps.begin(), maps.end(), [&](const HeatMap& h) { return h.metric == c.metric; });
    if (it == maps.end()) {
      maps.push_back(HeatMap{});
      it = std::prev(maps.end());
      it->metric = c.metric;
      it->direction = direction_of(s, c.metric);
    }
    if (std::find(it->layers.begin(), it->layers.end(), c.layer) == it->layers.end()) it->layers.push_back(c.layer);
    if (std::find(it->variants.begin(), it->variants.end(), c.variant) == it->variants.end()) {
      it->variants.push_back(c.variant);
    }
  }
  for (auto& h : maps) {
    std::sort(h.layers.begin(), h.layers.end());
    h.values.assign(h.variants.size(), std::vector<std::optional<double>>(h.layers.size()));
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& c : s.sensitivity) {
      if (c.metric != h.metric) continue;
      const auto vi = std::find(h.variants.begin(), h.variants.end(), c.variant);
      const auto li = std::lower_bound(h.layers.begin(), h.layers.end(), c.layer);
      const auto v = static_cast<size_t>(vi - h.variants.begin());
      const auto l = static_cast<size_t>(li - h.layers.begin());
      h.values[v][l] = c.value;
      if (std::isfinite(c.value)) {
        lo = std::min(lo, c.value);
        hi = std::max(hi, c.value);
      }
    }
    if (lo <= hi) {
      h.min = lo;
      h.max = hi;
      // KLD of single layers spans orders of magnitude; a linear scale would
      // paint all but the worst layer the same colour.
      h.log_scale = lo > 0 && hi / lo >= 100.0;
    }
  }
  return maps;
}

}  // namespace slimlm::report
