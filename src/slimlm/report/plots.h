#pragma once
// The geometry-free content of the report's charts, computed here so that it
// is tested in C++ and every writer agrees: which metric pairs get a scatter
// plot, which trial is one mark on each (and how it is styled), the 2-D front
// each plot's step line joins, and the per-layer sensitivity matrices. The
// HTML page only maps these to pixels.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "slimlm/report/study_data.h"
#include "slimlm/search/objective.h"

namespace slimlm::report {

enum class MarkKind : uint8_t {
  kFrontier = 0,    // on the study's Pareto frontier (all objectives)
  kFeasible = 1,    // measured, meets the constraints
  kInfeasible = 2,  // violates a constraint (measured or predicted)
};
std::string_view to_string(MarkKind kind);  // "frontier", "feasible", "infeasible"

struct PlotAxis {
  std::string metric;
  std::string unit;
  search::Direction direction = search::Direction::kMinimize;
};

struct PlotPoint {
  int64_t trial = 0;
  double x = 0, y = 0;
  MarkKind kind = MarkKind::kFeasible;
  bool proxy = false;  // a coordinate is the proxy's prediction, not a measurement
};

struct PlotSpec {
  std::string id;     // "<x metric> vs <y metric>", unique per report
  std::string title;
  PlotAxis x, y;
  std::vector<PlotPoint> points;   // one per plotted trial, in trial order
  std::vector<int64_t> front;      // trials of this pair's 2-D non-dominated set among measured
                                   // feasible points, best x first (the step line)
  std::vector<int64_t> omitted;    // trials without both values (failed, pending, ...)
};

// One plot per pair of objectives (a quality objective on the y axis), then
// quality vs size and quality vs decode speed when those metrics exist and the
// pair is not plotted already.
std::vector<PlotSpec> build_plots(const StudyData& study);

struct HeatMap {
  std::string metric;
  std::vector<int64_t> layers;              // ascending
  std::vector<std::string> variants;        // in order of first appearance
  // values[v][l]: variant v compressed alone in layer l; nullopt if not measured.
  std::vector<std::vector<std::optional<double>>> values;
  double min = 0, max = 0;                  // over the measured finite cells
  bool log_scale = false;                   // positive values spanning >= 2 decades
  search::Direction direction = search::Direction::kMinimize;
};

// One heat map per sensitivity metric, in order of first appearance.
std::vector<HeatMap> build_heatmaps(const StudyData& study);

}  // namespace slimlm::report
