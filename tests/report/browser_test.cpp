// The HTML report in headless Chromium: it loads offline with no errors, the
// script draws one mark per plotted trial on every plot and one cell per
// (layer, variant) on the heat map, and an injected recipe string stays text.
// Skipped when `chromium` is not on PATH (scripts/install-deps.sh installs it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "slimlm/report/write_report.h"
#include "study_fixture.h"
#include "test_util.h"

namespace slimlm::report {
namespace {

using registry::TrialState;
using search::Direction;
using test::make_trial;

const char* const kEvil = "<img src=x onerror=\"document.title='pwned'\"><script>document.title='pwned'</script>";

// 9 trials under 3 objectives: #0-#5 measured (#4 infeasible), #6 failed,
// #7 skipped with a proxy prediction, #8 pending. Every measured trial also
// has a decode speed, so a fourth plot shows quality vs decode speed.
StudyData three_objective_study() {
  StudyData s;
  s.name = "browser";
  s.sampler = "tpe";
  s.status = "completed";
  s.model = "models/tiny-llama";
  s.hardware_json = R"({"cpu":"Test CPU","logical_cores":2,"isa":"avx2","memory_bytes":8589934592})";
  s.config_yaml = "study: browser\nsampler: tpe\n";
  s.objectives = {{"kld/mean", Direction::kMinimize},
                  {"model/file_bytes", Direction::kMinimize},
                  {"energy/joules_per_token", Direction::kMinimize}};
  const double kld[] = {0.004, 0.02, 0.09, 0.35, 0.001, 0.06};
  const double mb[] = {16, 9, 6, 4, 30, 8};
  const double joules[] = {0.9, 0.6, 0.5, 0.45, 1.4, 0.7};
  for (int64_t i = 0; i < 9; ++i) {
    const auto k = static_cast<size_t>(std::min<int64_t>(i, 5));
    TrialData t = make_trial(i, TrialState::kComplete, {kld[k], mb[k] * 1e6, joules[k]}, i == 4 ? 0.2 : 0.0);
    if (i <= 5) {
      t.metrics["kld/mean"] = {kld[k], "nats", kld[k] / 20};
      t.metrics["model/file_bytes"] = {mb[k] * 1e6, "bytes", std::nullopt};
      t.metrics["energy/joules_per_token"] = {joules[k], "J/token", std::nullopt};
      t.metrics["speed/tg64"] = {200 / mb[k], "tokens/s", 0.5};
      t.metrics["perplexity/ppl"] = {20 + 100 * kld[k], "ppl", 0.2};
    }
    if (i == 3) t.summary = kEvil;
    if (i == 6) {
      t.state = TrialState::kFailed;
      t.objectives.clear();
      t.error = "compress: out of memory <b>bold?</b>";
    }
    if (i == 7) {
      t.state = TrialState::kSkipped;
      t.stage = "proxy";
      t.objectives.clear();
      t.proxy_objectives = {0.5, 3e6, 0.4};
      t.violation = 0.1;
    }
    if (i == 8) {
      t.state = TrialState::kPending;
      t.objectives.clear();
      t.run_id.reset();
    }
    s.trials.push_back(std::move(t));
  }
  const char* variants[] = {"int4 g128", "int3 g64", "wanda 50%"};
  for (int64_t layer = 0; layer < 4; ++layer) {
    for (int v = 0; v < 3; ++v) {
      if (layer == 2 && v == 1) continue;  // not measured: still a (grey) cell
      s.sensitivity.push_back({layer, variants[v], "kld/mean", 0.001 * (1 + layer) * (1 + 10 * v)});
    }
  }
  mark_frontier(s);
  return s;
}

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream ss(path);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::error_code ec;
    if (!dir.empty() && std::filesystem::exists(std::filesystem::path(dir) / program, ec)) return true;
  }
  return false;
}

size_t count(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

// The serialized <svg ...>...</svg> element carrying attr="value" (none nest).
std::map<std::string, std::string> svgs_by(const std::string& dom, const std::string& attr) {
  std::map<std::string, std::string> out;
  const std::string key = " " + attr + "=\"";
  for (size_t p = dom.find(key); p != std::string::npos; p = dom.find(key, p + 1)) {
    const size_t open = dom.rfind("<svg", p);
    const size_t end = dom.find("</svg>", p);
    const size_t v0 = p + key.size();
    if (open == std::string::npos || end == std::string::npos || dom.find('>', open) < p) continue;
    out[dom.substr(v0, dom.find('"', v0) - v0)] = dom.substr(open, end - open);
  }
  return out;
}

std::set<int> trials_in(const std::string& svg) {
  std::set<int> out;
  const std::string key = "data-trial=\"";
  for (size_t p = svg.find(key); p != std::string::npos; p = svg.find(key, p + 1)) {
    out.insert(std::stoi(svg.substr(p + key.size())));
  }
  return out;
}

struct Loaded {
  std::string dom;
  std::string log;
};

// Loads `page` (plus `fragment`) in headless Chromium and returns the DOM
// after its scripts ran, and Chromium's log.
Loaded load_in_chromium(const std::filesystem::path& page, const std::string& fragment,
                        const slimlm::testing::TempDir& tmp) {
  const auto dom_file = tmp / ("dom" + fragment.substr(fragment.empty() ? 0 : 1) + ".html");
  const auto log_file = tmp / "chromium.log";
  const std::string cmd = "timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run "
                          "--user-data-dir='" + (tmp / "profile").string() +
                          "' --enable-logging=stderr --v=0 --virtual-time-budget=5000 --dump-dom 'file://" +
                          page.string() + fragment + "' >'" + dom_file.string() + "' 2>'" + log_file.string() + "'";
  const int rc = std::system(cmd.c_str());
  Loaded out{slimlm::testing::read_file(dom_file), slimlm::testing::read_file(log_file)};
  EXPECT_EQ(rc, 0) << cmd << "\n" << out.log;
  return out;
}

// The script ran to its end, recorded no error, and Chromium logged no
// console message (it logs every one, and CSP violations, as CONSOLE).
void expect_clean_load(const Loaded& page) {
  EXPECT_NE(page.dom.find("data-ready=\"1\""), std::string::npos);
  const size_t errors = page.dom.find("id=\"report-errors\"");
  ASSERT_NE(errors, std::string::npos);
  const std::string clean = "id=\"report-errors\" data-errors=\"0\" hidden";
  EXPECT_EQ(page.dom.substr(errors, clean.size()), clean)
      << page.dom.substr(errors, 600);
  std::istringstream lines(page.log);
  for (std::string line; std::getline(lines, line);) {
    EXPECT_EQ(line.find(":CONSOLE"), std::string::npos) << line;
    EXPECT_EQ(line.find("Uncaught"), std::string::npos) << line;
  }
}

std::string body_attribute(const std::string& dom, const std::string& name) {
  const size_t body = dom.find("<body");
  const size_t p = dom.find(" " + name + "=\"", body);
  if (body == std::string::npos || p == std::string::npos || p > dom.find('>', body)) return "<absent>";
  const size_t v = p + name.size() + 3;
  return dom.substr(v, dom.find('"', v) - v);
}

TEST(ReportBrowser, LoadsWithoutErrorsAndDrawsEveryTrial) {
  if (!on_path("chromium")) GTEST_SKIP() << "chromium is not on PATH";
  slimlm::testing::TempDir tmp;
  const auto written = write_report(three_objective_study(), tmp / "report", {ReportFormat::kHtml});
  ASSERT_EQ(written.size(), 1u);
  const Loaded page = load_in_chromium(written[0], "", tmp);
  const std::string& dom = page.dom;
  ASSERT_FALSE(dom.empty()) << page.log;
  expect_clean_load(page);

  // Objective pairs: the 6 measured trials and #7's prediction; quality vs
  // decode speed: the 6 measured ones. Failed #6 and pending #8 are listed.
  const auto plots = svgs_by(dom, "data-plot");
  const std::set<int> measured = {0, 1, 2, 3, 4, 5};
  std::set<int> with_proxy = measured;
  with_proxy.insert(7);
  const std::map<std::string, std::set<int>> expected = {
      {"model/file_bytes vs kld/mean", with_proxy},
      {"energy/joules_per_token vs kld/mean", with_proxy},
      {"model/file_bytes vs energy/joules_per_token", with_proxy},
      {"speed/tg64 vs kld/mean", measured},
  };
  ASSERT_EQ(plots.size(), expected.size());
  for (const auto& [id, trials] : expected) {
    ASSERT_TRUE(plots.count(id)) << id;
    const std::string& svg = plots.at(id);
    EXPECT_EQ(count(svg, "data-trial=\""), trials.size()) << id;  // exactly one mark per trial
    EXPECT_EQ(trials_in(svg), trials) << id;
    EXPECT_EQ(count(svg, "<circle"), trials.size()) << id;
    EXPECT_EQ(count(svg, "class=\"step\""), 1u) << id;
  }
  EXPECT_NE(dom.find("Not plotted (no value for both metrics): #6 (failed), #8 (pending)"), std::string::npos);
  // Frontier marks are styled as such: #4 (infeasible) never is.
  const std::string& first = plots.at("model/file_bytes vs kld/mean");
  EXPECT_NE(first.find("class=\"mark infeasible\" data-trial=\"4\""), std::string::npos);
  EXPECT_NE(first.find("class=\"mark infeasible proxy\" data-trial=\"7\""), std::string::npos);
  EXPECT_NE(first.find("class=\"mark frontier\" data-trial=\"0\""), std::string::npos);

  // Heat map: 4 layers x 3 variants, the unmeasured one included.
  const auto maps = svgs_by(dom, "data-heatmap");
  ASSERT_EQ(maps.size(), 1u);
  const std::string& hm = maps.at("kld/mean");
  EXPECT_EQ(count(hm, "data-layer=\""), 12u);
  EXPECT_EQ(count(hm, "class=\"cell missing\""), 1u);
  EXPECT_EQ(count(hm, "data-value=\""), 11u);

  // The malicious summary is text, not markup.
  EXPECT_EQ(dom.find("<img"), std::string::npos);
  EXPECT_EQ(dom.find("pwned</title>"), std::string::npos);
  EXPECT_NE(dom.find("&lt;img src=x onerror="), std::string::npos);
  EXPECT_EQ(dom.find("<b>bold?</b>"), std::string::npos);
}

// Hover, highlight and sort, driven by the page's own #selftest mode.
TEST(ReportBrowser, TooltipsHighlightingAndSorting) {
  if (!on_path("chromium")) GTEST_SKIP() << "chromium is not on PATH";
  slimlm::testing::TempDir tmp;
  const auto written = write_report(three_objective_study(), tmp / "report", {ReportFormat::kHtml});
  const Loaded page = load_in_chromium(written[0], "#selftest", tmp);
  ASSERT_FALSE(page.dom.empty()) << page.log;
  expect_clean_load(page);
  const std::string& dom = page.dom;

  // The first mark drawn is the first infeasible trial, #4: its tooltip names
  // it and shows its metrics; it is highlighted on all four plots and in the
  // trials table (not on the frontier, so in no other table).
  EXPECT_EQ(body_attribute(dom, "data-selftest-trial"), "4");
  const std::string tooltip = body_attribute(dom, "data-selftest-tooltip");
  EXPECT_EQ(tooltip.rfind("#4 rtn int6", 0), 0u) << tooltip;
  EXPECT_NE(tooltip.find("infeasible (violation 0.2)"), std::string::npos) << tooltip;
  EXPECT_NE(tooltip.find("kld/mean: 0.001000 ± 0.000050"), std::string::npos) << tooltip;
  EXPECT_NE(tooltip.find("model/file_bytes: 28.61 MiB"), std::string::npos) << tooltip;
  EXPECT_EQ(body_attribute(dom, "data-selftest-highlighted"), "5");

  const std::string cell = body_attribute(dom, "data-selftest-cell");
  EXPECT_EQ(cell.rfind("layer 0 · int4 g128", 0), 0u) << cell;
  EXPECT_NE(cell.find("0.001"), std::string::npos) << cell;

  // '#' clicked twice: descending.
  EXPECT_EQ(body_attribute(dom, "data-selftest-first-row"), "8");
}

}  // namespace
}  // namespace slimlm::report
