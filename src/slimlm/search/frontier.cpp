#include "slimlm/search/frontier.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "slimlm/core/error.h"
#include "slimlm/core/progress.h"
#include "slimlm/io/atomic_dir.h"
#include "slimlm/search/pareto.h"

namespace slimlm::search {
namespace {

namespace fs = std::filesystem;

// A frontier folder with the trial folder's files hard-linked (no copy of
// the weights), appearing complete or not at all.
void link_folder(const fs::path& src, const fs::path& dst) {
  io::AtomicDir dir(dst);
  for (const auto& e : fs::directory_iterator(src)) {
    if (!e.is_regular_file()) continue;
    const fs::path to = dir.path() / e.path().filename();
    std::error_code ec;
    fs::create_hard_link(e.path(), to, ec);
    if (ec) fs::copy_file(e.path(), to);
  }
  dir.commit();
}

void remove_folder(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) throw IoError(fmt::format("cannot remove {}: {}", p.string(), ec.message()));
}

std::string cell(const MetricValues& m, const std::string& name, int precision = 4) {
  const auto v = metric_value(m, name);
  if (!v) return "-";
  return fmt::format("{:.{}g}", *v, precision);
}

}  // namespace

std::vector<size_t> frontier_indices(std::span<const registry::TrialRecord> trials,
                                     std::span<const Objective> objectives) {
  std::vector<size_t> candidates;
  std::vector<Point> points;
  for (size_t i = 0; i < trials.size(); ++i) {
    const auto& t = trials[i];
    if (t.state != registry::TrialState::kComplete || t.violation > 0 || t.objectives.size() != objectives.size()) {
      continue;
    }
    if (!std::all_of(t.objectives.begin(), t.objectives.end(), [](double v) { return std::isfinite(v); })) continue;
    candidates.push_back(i);
    points.push_back(to_minimization(t.objectives, objectives));
  }
  std::vector<size_t> out;
  for (size_t k : pareto_front(points)) out.push_back(candidates[k]);
  return out;
}

std::string model_slug(std::string_view summary) {
  std::string s;
  for (char c : summary) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    if (keep) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    else if (!s.empty() && s.back() != '-') s += '-';
  }
  while (!s.empty() && s.back() == '-') s.pop_back();
  if (s.size() > 60) s.resize(60);
  while (!s.empty() && s.back() == '-') s.pop_back();
  return s.empty() ? "model" : s;
}

std::string trial_folder_name(int64_t number, std::string_view summary) {
  return fmt::format("{:04d}-{}", number, model_slug(summary));
}

std::string human_bytes(double bytes) { return format_amount(bytes, "B"); }

std::string frontier_table(std::span<const FrontierRow> rows, std::span<const Objective> objectives,
                           const std::string& speed_metric) {
  std::vector<std::string> head = {"trial", "recipe", "size"};
  std::vector<std::string> metrics;
  for (const Objective& o : objectives) {
    if (o.metric != "model/file_bytes") metrics.push_back(o.metric);
  }
  const bool any_ppl = std::any_of(rows.begin(), rows.end(), [](const FrontierRow& r) { return r.metrics.count("perplexity/ppl"); });
  if (any_ppl && std::find(metrics.begin(), metrics.end(), "perplexity/ppl") == metrics.end()) metrics.push_back("perplexity/ppl");
  for (const auto& m : metrics) head.push_back(m);
  // The decode speed unless an objective already shows it or nothing measured it.
  const bool speed = std::find(metrics.begin(), metrics.end(), speed_metric) == metrics.end() &&
                     std::any_of(rows.begin(), rows.end(), [&](const FrontierRow& r) { return r.metrics.count(speed_metric); });
  if (speed) head.push_back(speed_metric + " tok/s");
  head.push_back("energy J");

  std::vector<std::vector<std::string>> table = {head};
  for (const FrontierRow& r : rows) {
    std::vector<std::string> line = {std::to_string(r.trial), r.summary};
    const auto bytes = metric_value(r.metrics, "model/file_bytes");
    line.push_back(bytes ? human_bytes(*bytes) : "-");
    for (const auto& m : metrics) line.push_back(cell(r.metrics, m));
    if (speed) line.push_back(cell(r.metrics, speed_metric, 5));
    line.push_back(cell(r.metrics, "energy/joules", 3));
    table.push_back(std::move(line));
  }
  std::vector<size_t> width(head.size(), 0);
  for (const auto& line : table) {
    for (size_t c = 0; c < line.size(); ++c) width[c] = std::max(width[c], line[c].size());
  }
  std::string out;
  for (size_t r = 0; r < table.size(); ++r) {
    std::string line;
    for (size_t c = 0; c < table[r].size(); ++c) {
      // Text columns left-aligned, numbers right-aligned.
      const bool left = c == 1;
      line += c ? "  " : "";
      line += left ? fmt::format("{:<{}}", table[r][c], width[c]) : fmt::format("{:>{}}", table[r][c], width[c]);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    if (r == 0) {
      size_t total = 0;
      for (size_t w : width) total += w + 2;
      out += std::string(total - 2, '-') + "\n";
    }
  }
  return out;
}

std::vector<fs::path> keep_models(const fs::path& output, KeepModels keep,
                                  std::span<const std::pair<int64_t, std::string>> frontier) {
  const fs::path trials_dir = output / "trials";
  const fs::path frontier_dir = output / "frontier";
  std::set<std::string> wanted;
  for (const auto& [number, name] : frontier) wanted.insert(name);

  std::vector<fs::path> out;
  if (keep == KeepModels::kNone) {
    remove_folder(frontier_dir);
  } else {
    fs::create_directories(frontier_dir);
    for (const auto& e : fs::directory_iterator(frontier_dir)) {
      if (!wanted.count(e.path().filename().string())) remove_folder(e.path());
    }
    for (const auto& [number, name] : frontier) {
      const fs::path dst = frontier_dir / name;
      const fs::path src = trials_dir / name;
      if (!fs::exists(dst) && fs::is_directory(src)) link_folder(src, dst);
      if (fs::exists(dst)) out.push_back(dst);
    }
  }
  if (fs::is_directory(trials_dir)) {
    for (const auto& e : fs::directory_iterator(trials_dir)) {
      const std::string name = e.path().filename().string();
      const bool temporary = name.starts_with(".");
      const bool drop = temporary || keep == KeepModels::kNone || (keep == KeepModels::kFrontier && !wanted.count(name));
      if (drop) remove_folder(e.path());
    }
  }
  return out;
}

}  // namespace slimlm::search
