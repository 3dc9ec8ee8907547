// The report's writers on hand-built studies: frontier flags, CSV quoting,
// Markdown and JSON content, plot and heat-map contents, HTML escaping, the
// proxy's predictions and rank correlation in every format.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <regex>

#include "slimlm/report/csv_report.h"
#include "slimlm/report/escape.h"
#include "slimlm/report/html_report.h"
#include "slimlm/report/json_report.h"
#include "slimlm/report/markdown_report.h"
#include "slimlm/report/metric_info.h"
#include "slimlm/report/plots.h"
#include "slimlm/report/study_summary.h"
#include "study_fixture.h"

namespace slimlm::report {
namespace {

using test::two_objective_study;

std::vector<int64_t> frontier_numbers(const StudyData& s) {
  std::vector<int64_t> out;
  for (const TrialData* t : s.frontier()) out.push_back(t->number);
  return out;
}

// RFC 4180 reader for the test: fields, quotes doubled inside quoted fields.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false, was_quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      EXPECT_TRUE(field.empty()) << "quote inside an unquoted field at byte " << i;
      quoted = was_quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
      was_quoted = false;
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(field);
      field.clear();
      was_quoted = false;
      rows.emplace_back();
      ++i;
    } else {
      EXPECT_NE(c, '\n') << "bare LF outside quotes at byte " << i;
      field += c;
    }
  }
  EXPECT_FALSE(quoted) << "unterminated quoted field";
  if (rows.back().empty() && field.empty() && !was_quoted) rows.pop_back();
  return rows;
}

TEST(ReportFrontier, TwoObjectivesOneMaximised) {
  auto s = two_objective_study();
  EXPECT_EQ(frontier_numbers(s), (std::vector<int64_t>{0, 1, 3, 7, 8}));
  // The direction matters: minimising speed too leaves #3 alone.
  s.objectives[1].direction = search::Direction::kMinimize;
  mark_frontier(s);
  EXPECT_EQ(frontier_numbers(s), (std::vector<int64_t>{3}));
}

TEST(ReportFrontier, InfeasibleIncompleteAndNonFiniteNeverCount) {
  auto s = two_objective_study();
  s.trials[4].violation = 0;  // now feasible: (0.01, 60) dominates every other trial
  mark_frontier(s);
  EXPECT_EQ(frontier_numbers(s), (std::vector<int64_t>{4}));
  s.trials[4].objectives[0] = std::nan("");
  mark_frontier(s);
  EXPECT_EQ(frontier_numbers(s), (std::vector<int64_t>{0, 1, 3, 7, 8}));
  s.trials[4].objectives[0] = 0.01;
  s.trials[4].state = registry::TrialState::kRunning;
  mark_frontier(s);
  EXPECT_EQ(frontier_numbers(s), (std::vector<int64_t>{0, 1, 3, 7, 8}));
}

TEST(ReportEscape, CsvFieldFollowsRfc4180) {
  EXPECT_EQ(csv_field("plain"), "plain");
  EXPECT_EQ(csv_field(""), "");
  EXPECT_EQ(csv_field(" padded "), " padded ");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_field("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_field("cr\rx"), "\"cr\rx\"");
  EXPECT_EQ(csv_field("\""), "\"\"\"\"");
}

TEST(ReportEscape, HtmlMarkdownAndScriptJson) {
  EXPECT_EQ(html_escape("<a href=\"x\">T&C's</a>"), "&lt;a href=&quot;x&quot;&gt;T&amp;C&#39;s&lt;/a&gt;");
  EXPECT_EQ(markdown_cell("a|b\\c\r\nd<e>&"), "a\\|b\\\\c d&lt;e&gt;&amp;");
  EXPECT_EQ(json_for_script(R"({"s":"</script><!--&"})"), R"({"s":"\u003c/script\u003e\u003c!--\u0026"})");
  EXPECT_EQ(json_for_script("\"\xe2\x80\xa8\xe2\x80\xa9\""), "\"\\u2028\\u2029\"");
  // Escaped JSON still parses to the same strings.
  const std::string j = R"({"s":"</script> & <b>"})";
  EXPECT_EQ(nlohmann::json::parse(json_for_script(j)), nlohmann::json::parse(j));
}

TEST(ReportCsv, OneRowPerTrialWithParamsMetricsAndQuoting) {
  auto s = two_objective_study();
  s.trials[2].summary = "gptq \"int4\", g128";
  s.trials[5].error = "line one\nline two";
  const auto rows = parse_csv(study_csv(s));
  ASSERT_EQ(rows.size(), 10u);
  const auto& head = rows[0];
  const auto col = [&](const std::string& name) {
    auto it = std::find(head.begin(), head.end(), name);
    EXPECT_NE(it, head.end()) << name;
    return static_cast<size_t>(it - head.begin());
  };
  EXPECT_EQ(std::vector<std::string>(head.begin(), head.begin() + 5),
            (std::vector<std::string>{"number", "generation", "state", "stage", "summary"}));
  for (const auto& r : rows) EXPECT_EQ(r.size(), head.size());
  EXPECT_EQ(rows[3][col("summary")], "gptq \"int4\", g128");
  EXPECT_EQ(rows[6][col("error")], "line one\nline two");
  EXPECT_EQ(rows[6][col("state")], "failed");
  EXPECT_EQ(rows[6][col("kld/mean")], "");
  EXPECT_EQ(rows[2][col("quantize.method")], "gptq");
  EXPECT_EQ(rows[2][col("quantize.bits")], "3");
  EXPECT_EQ(std::stod(rows[2][col("kld/mean")]), 0.05);
  EXPECT_EQ(std::stod(rows[9][col("speed/tg128")]), 55.0);
  EXPECT_EQ(std::stod(rows[4][col("model/file_bytes")]), 5e6);
  EXPECT_EQ(rows[5][col("feasible")], "false");
  EXPECT_EQ(rows[1][col("frontier")], "true");
  EXPECT_EQ(rows[3][col("frontier")], "false");
  EXPECT_EQ(std::stod(rows[7][col("proxy:speed/tg128")]), 100.0);
}

TEST(ReportMarkdown, FrontierTrialsAndSensitivityTables) {
  auto s = two_objective_study();
  s.trials[8].summary = "wanda 50% | 2:4";
  s.sensitivity = {{0, "int4", "kld/mean", 0.002}, {1, "int4", "kld/mean", 0.25}, {0, "int2", "kld/mean", 0.5}};
  const std::string md = study_markdown(s);
  EXPECT_NE(md.find("# Study two-objectives"), std::string::npos);
  EXPECT_NE(md.find("**Objectives**: kld/mean (minimize), speed/tg128 (maximize)"), std::string::npos);
  EXPECT_NE(md.find("**Trials**: 9 trials: 7 complete, 1 failed, 1 skipped"), std::string::npos);
  EXPECT_NE(md.find("**Frontier**: 5 points"), std::string::npos);

  const auto section = [&](const std::string& title) {
    const size_t a = md.find("## " + title);
    EXPECT_NE(a, std::string::npos) << title;
    return md.substr(a, md.find("\n## ", a + 1) - a);
  };
  const std::string front = section("Pareto frontier");
  EXPECT_NE(front.find("| # | recipe | kld/mean ↓ | speed/tg128 ↑ | model/file_bytes ↓ |"), std::string::npos);
  // One row per frontier point, in trial order, escaped '|'.
  std::vector<int64_t> rows;
  std::regex row_re(R"(\n\| (\d+) \| )");
  for (std::sregex_iterator it(front.begin(), front.end(), row_re), end; it != end; ++it) {
    rows.push_back(std::stoll((*it)[1]));
  }
  EXPECT_EQ(rows, (std::vector<int64_t>{0, 1, 3, 7, 8}));
  EXPECT_NE(front.find("| 8 | wanda 50% \\| 2:4 | 0.300000 ± 0.001000 | 55.0 t/s | 2.86 MiB |"), std::string::npos)
      << front;

  const std::string all = section("All trials");
  const std::regex trial_row(R"(\n\| \d+( ★)? \| \d+ \| )");
  EXPECT_EQ(std::distance(std::sregex_iterator(all.begin(), all.end(), trial_row), std::sregex_iterator()), 9);
  // #6 carries proxy predictions, so each objective's "(proxy)" column follows it.
  EXPECT_NE(all.find("| # | gen | stage | state | recipe | feasible | kld/mean ↓ | kld/mean (proxy) | speed/tg128 ↑ | "
                     "speed/tg128 (proxy) | model/file_bytes ↓ | error |"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("| 5 | 1 | full | failed | rtn int7 | yes | - | - | - | - | - | gptq: Hessian of layer 3 is not "
                     "positive definite |"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("| 6 | 1 | proxy | skipped | rtn int8 | yes | - | 0.001000 | - | 100.0 t/s | - |  |"),
            std::string::npos)
      << all;
  EXPECT_NE(all.find("| 4 | 1 | full | complete | rtn int6 | no (0.5) |"), std::string::npos);
  EXPECT_NE(all.find("| 3 ★ |"), std::string::npos);

  const std::string sens = section("Per-layer sensitivity: kld/mean");
  EXPECT_NE(sens.find("| layer | int4 | int2 |"), std::string::npos);
  EXPECT_NE(sens.find("| 0 | 0.002 | 0.5 |"), std::string::npos);
  EXPECT_NE(sens.find("| 1 | 0.25 | - |"), std::string::npos);
}

// two_objective_study with proxy predictions on measured trials and the
// runner's correlations. Pairs per objective (complete, both finite):
// kld/mean #0 #1 #3 #4 (#2's prediction is NaN), speed/tg128 #0-#4.
// #6 (skipped) and #5 (failed) never count.
StudyData study_with_proxy() {
  auto s = two_objective_study();
  s.trials[0].proxy_objectives = {0.09, 48};
  s.trials[1].proxy_objectives = {0.06, 41};
  s.trials[2].proxy_objectives = {std::nan(""), 44};
  s.trials[3].proxy_objectives = {0.03, 33};
  s.trials[4].proxy_objectives = {0.015, 58};
  s.trials[5].proxy_objectives = {0.5, 10};
  s.proxy_correlation = {{"kld/mean", 0.956, 4}, {"speed/tg128", std::nullopt, 5}};
  return s;
}

TEST(ReportProxy, PairCountsAndSummaryText) {
  const auto s = study_with_proxy();
  EXPECT_TRUE(has_proxy_predictions(s));
  EXPECT_EQ(proxy_pair_count(s, 0), 4u);
  EXPECT_EQ(proxy_pair_count(s, 1), 5u);
  EXPECT_EQ(proxy_pair_count(s, 2), 0u);
  EXPECT_EQ(objective_index(s, "speed/tg128"), 1u);
  EXPECT_FALSE(objective_index(s, "model/file_bytes"));
  EXPECT_EQ(proxy_correlation_text(s), "kld/mean ρ = 0.956 over 4 trials, speed/tg128 ρ undefined over 5 trials");
  auto one = s;
  one.proxy_correlation = {{"kld/mean", -0.5, 1}};
  EXPECT_EQ(proxy_correlation_text(one), "kld/mean ρ = -0.500 over 1 trial");

  // Without a proxy: no predictions, no text.
  auto none = two_objective_study();
  none.trials[6].proxy_objectives.clear();
  EXPECT_FALSE(has_proxy_predictions(none));
  EXPECT_EQ(proxy_correlation_text(none), "");
  EXPECT_EQ(proxy_pair_count(none, 0), 0u);
}

TEST(ReportProxy, CorrelationAndPredictionsInEveryFormat) {
  const auto s = study_with_proxy();
  const std::string md = study_markdown(s);
  EXPECT_NE(md.find("- **Proxy**: rank correlation with full evaluation (Spearman): kld/mean ρ = 0.956 over 4 trials, "
                    "speed/tg128 ρ undefined over 5 trials\n"),
            std::string::npos)
      << md;
  // Predicted beside measured; the frontier table has no proxy columns.
  EXPECT_NE(md.find("| 0 ★ | 0 | full | complete | rtn int2 | yes | 0.100000 ± 0.001000 | 0.090000 | 50.0 t/s | "
                    "48.0 t/s | 1.91 MiB |  |"),
            std::string::npos)
      << md;
  EXPECT_NE(md.find("| 2 | 0 | full | complete | rtn int4 | yes | 0.200000 ± 0.001000 | - | 45.0 t/s | 44.0 t/s |"),
            std::string::npos)
      << md;
  const std::string front = md.substr(md.find("## Pareto frontier"), md.find("## All trials") - md.find("## Pareto"));
  EXPECT_EQ(front.find("(proxy)"), std::string::npos) << front;

  const std::string page = study_html(s);
  EXPECT_NE(page.find("<dt>Proxy</dt><dd title=\"Spearman's rank correlation"), std::string::npos);
  EXPECT_NE(page.find(">rank correlation with full evaluation: kld/mean ρ = 0.956 over 4 trials, speed/tg128 ρ "
                      "undefined over 5 trials</dd>"),
            std::string::npos);
  const size_t row0 = page.find("<tr id=\"trial-0\"");
  ASSERT_NE(row0, std::string::npos);
  const std::string tr0 = page.substr(row0, page.find("</tr>", row0) - row0);
  // Measured, then predicted, for each objective; sortable by data-v.
  const size_t kld = tr0.find("data-v=\"0.1\""), kld_proxy = tr0.find("<td class=\"num proxy\" data-v=\"0.09\">");
  const size_t tg = tr0.find("data-v=\"50\""), tg_proxy = tr0.find("<td class=\"num proxy\" data-v=\"48\">48.0 t/s<");
  ASSERT_NE(kld, std::string::npos) << tr0;
  ASSERT_NE(kld_proxy, std::string::npos) << tr0;
  ASSERT_NE(tg, std::string::npos) << tr0;
  ASSERT_NE(tg_proxy, std::string::npos) << tr0;
  EXPECT_LT(kld, kld_proxy);
  EXPECT_LT(kld_proxy, tg);
  EXPECT_LT(tg, tg_proxy);
  const size_t row2 = page.find("<tr id=\"trial-2\"");
  EXPECT_NE(page.substr(row2, page.find("</tr>", row2) - row2).find("<td class=\"num proxy\">-</td>"),
            std::string::npos);
  EXPECT_NE(page.find("<th class=\"num proxy\" title=\"predicted by the proxy\">speed/tg128 (proxy)</th>"),
            std::string::npos);

  const auto j = nlohmann::json::parse(study_json(s));
  const auto& rho = j["study"]["proxy_spearman"];
  ASSERT_EQ(rho.size(), 2u);
  EXPECT_EQ(rho["kld/mean"]["rho"], 0.956);
  EXPECT_EQ(rho["kld/mean"]["trials"], 4);
  EXPECT_TRUE(rho["speed/tg128"]["rho"].is_null());
  EXPECT_EQ(rho["speed/tg128"]["trials"], 5);
  EXPECT_EQ(j["trials"][0]["proxy_objectives"], nlohmann::json({0.09, 48.0}));

  // A study without a proxy shows none of it.
  auto none = two_objective_study();
  none.trials[6].proxy_objectives.clear();
  EXPECT_EQ(study_markdown(none).find("Proxy"), std::string::npos);
  EXPECT_EQ(study_markdown(none).find("(proxy)"), std::string::npos);
  EXPECT_EQ(study_html(none).find("<dt>Proxy</dt>"), std::string::npos);
  EXPECT_EQ(study_html(none).find("num proxy"), std::string::npos);
  EXPECT_TRUE(nlohmann::json::parse(study_json(none))["study"]["proxy_spearman"].empty());
}

TEST(ReportJson, WholeStudyRoundTrips) {
  auto s = two_objective_study();
  s.trials[0].metrics["kld/p99"] = {std::nan(""), "nats", std::nullopt};
  s.hardware_json = R"({"cpu":"Test CPU","logical_cores":2})";
  s.sensitivity = {{3, "int4", "kld/mean", 0.125}};
  const auto j = nlohmann::json::parse(study_json(s));
  EXPECT_EQ(j["study"]["name"], "two-objectives");
  EXPECT_EQ(j["study"]["objectives"][1]["metric"], "speed/tg128");
  EXPECT_EQ(j["study"]["objectives"][1]["direction"], "maximize");
  EXPECT_EQ(j["study"]["hardware"]["cpu"], "Test CPU");
  EXPECT_EQ(j["frontier"], nlohmann::json({0, 1, 3, 7, 8}));
  ASSERT_EQ(j["trials"].size(), 9u);
  EXPECT_EQ(j["trials"][4]["feasible"], false);
  EXPECT_EQ(j["trials"][4]["violation"], 0.5);
  EXPECT_EQ(j["trials"][3]["frontier"], true);
  EXPECT_EQ(j["trials"][2]["frontier"], false);
  EXPECT_EQ(j["trials"][5]["state"], "failed");
  EXPECT_EQ(j["trials"][6]["proxy_objectives"], nlohmann::json({0.001, 100.0}));
  EXPECT_EQ(j["trials"][1]["params"]["quantize.bits"], 3);  // numbers stay numbers
  EXPECT_EQ(j["trials"][1]["recipe"]["pipeline"][0]["pass"], "quantize");
  EXPECT_EQ(j["trials"][8]["metrics"]["kld/mean"]["value"], 0.30);
  EXPECT_EQ(j["trials"][8]["metrics"]["kld/mean"]["std_error"], 0.001);
  EXPECT_TRUE(j["trials"][0]["metrics"]["kld/p99"]["value"].is_null());
  EXPECT_EQ(j["sensitivity"][0]["layer"], 3);
  EXPECT_EQ(j["sensitivity"][0]["value"], 0.125);
}

TEST(ReportPlots, PairsMarksAndStepFronts) {
  const auto s = two_objective_study();
  const auto plots = build_plots(s);
  ASSERT_EQ(plots.size(), 2u);  // the objective pair, then quality vs size; decode speed is already plotted
  const auto& p = plots[0];
  EXPECT_EQ(p.x.metric, "speed/tg128");  // quality on the y axis
  EXPECT_EQ(p.y.metric, "kld/mean");
  EXPECT_EQ(p.x.direction, search::Direction::kMaximize);
  std::vector<int64_t> marks;
  for (const auto& pt : p.points) marks.push_back(pt.trial);
  EXPECT_EQ(marks, (std::vector<int64_t>{0, 1, 2, 3, 4, 6, 7, 8}));
  EXPECT_EQ(p.omitted, (std::vector<int64_t>{5}));
  EXPECT_EQ(p.points[4].kind, MarkKind::kInfeasible);
  EXPECT_TRUE(p.points[5].proxy);
  EXPECT_EQ(p.points[5].x, 100.0);
  EXPECT_EQ(p.points[0].kind, MarkKind::kFrontier);
  EXPECT_EQ(p.points[2].kind, MarkKind::kFeasible);
  // Best speed first; #1 and #7 coincide and make one step.
  EXPECT_EQ(p.front, (std::vector<int64_t>{8, 0, 1, 3}));

  const auto& q = plots[1];
  EXPECT_EQ(q.x.metric, "model/file_bytes");
  EXPECT_EQ(q.y.metric, "kld/mean");
  EXPECT_EQ(q.points.size(), 7u);
  EXPECT_EQ(q.omitted, (std::vector<int64_t>{5, 6}));
  EXPECT_EQ(q.front, (std::vector<int64_t>{7, 3}));  // (2 MB, 0.05), (5 MB, 0.02)
}

TEST(ReportPlots, HeatMapMatrixAndScale) {
  auto s = two_objective_study();
  s.sensitivity = {{2, "int4", "kld/mean", 0.01}, {0, "int4", "kld/mean", 0.002}, {0, "int2", "kld/mean", 0.5},
                   {1, "int2", "kld/mean", 0.2},  {0, "int4", "ppl", 12.0}};
  const auto maps = build_heatmaps(s);
  ASSERT_EQ(maps.size(), 2u);
  const auto& h = maps[0];
  EXPECT_EQ(h.metric, "kld/mean");
  EXPECT_EQ(h.layers, (std::vector<int64_t>{0, 1, 2}));
  EXPECT_EQ(h.variants, (std::vector<std::string>{"int4", "int2"}));
  EXPECT_EQ(h.values[0][0], 0.002);
  EXPECT_FALSE(h.values[0][1].has_value());
  EXPECT_EQ(h.values[0][2], 0.01);
  EXPECT_EQ(h.values[1][1], 0.2);
  EXPECT_EQ(h.min, 0.002);
  EXPECT_EQ(h.max, 0.5);
  EXPECT_TRUE(h.log_scale);  // 250x range
  EXPECT_FALSE(maps[1].log_scale);
}

TEST(ReportMetrics, DirectionsAndFormatting) {
  EXPECT_EQ(known_direction("kld/mean"), search::Direction::kMinimize);
  EXPECT_EQ(known_direction("kld/same_top1"), search::Direction::kMaximize);
  EXPECT_EQ(known_direction("hellaswag/acc_norm"), search::Direction::kMaximize);
  EXPECT_EQ(known_direction("speed/pp512"), search::Direction::kMaximize);
  EXPECT_EQ(known_direction("energy/joules_per_token"), search::Direction::kMinimize);
  EXPECT_EQ(known_direction("model/file_bytes"), search::Direction::kMinimize);
  EXPECT_FALSE(known_direction("something/else").has_value());
  EXPECT_EQ(format_value(3.0 * 1024 * 1024, "bytes"), "3.00 MiB");
  EXPECT_EQ(format_value(0.4567, "fraction", 0.0123), "45.67 ± 1.23 %");
  EXPECT_EQ(format_value(12.5, "tokens/s"), "12.5 t/s");
  EXPECT_EQ(format_value(std::nan(""), "nats"), "-");
}

// Everything between <script ...> and </script>.
std::vector<std::string> scripts(const std::string& page) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = page.find("<script", pos)) != std::string::npos) {
    const size_t body = page.find('>', pos) + 1;
    const size_t end = page.find("</script>", body);
    out.push_back(page.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

TEST(ReportHtml, MaliciousTextIsEscapedEverywhere) {
  auto s = two_objective_study();
  const std::string evil = "<script>alert(1)</script>";
  s.name = "study " + evil;
  s.trials[0].summary = evil;  // on the frontier: frontier table, recipes, tooltips
  s.trials[5].error = "<img src=x onerror=alert(2)>";
  s.trials[0].recipe_json = "{\"note\":\"</pre><script>alert(3)</script>\"}";
  s.config_yaml = "name: x # </details><script>alert(4)</script>";
  s.sensitivity = {{0, evil, "kld/mean", 0.1}};
  const std::string page = study_html(s);
  EXPECT_EQ(page.find("alert(1)</script>"), std::string::npos);
  EXPECT_EQ(page.find("<script>alert"), std::string::npos);
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_NE(page.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
  EXPECT_NE(page.find("\\u003cscript\\u003ealert(1)\\u003c/script\\u003e"), std::string::npos);
  // Exactly the page's own three script elements: error hook, data, drawing.
  const auto all = scripts(page);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_NE(all[1].find("type=\"application/json\""), std::string::npos);
}

TEST(ReportHtml, ContentSecurityPolicyAdmitsExactlyTheInlineScripts) {
  const std::string page = study_html(two_objective_study());
  const std::regex csp_re("script-src ('sha256-[A-Za-z0-9+/=]+') ('sha256-[A-Za-z0-9+/=]+')");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(page, m, csp_re));
  const auto all = scripts(page);
  ASSERT_EQ(all.size(), 3u);
  const auto body = [](const std::string& tag_and_body) { return tag_and_body.substr(tag_and_body.find('>') + 1); };
  EXPECT_EQ(m[1].str(), csp_script_hash(body(all[0])));
  EXPECT_EQ(m[2].str(), csp_script_hash(body(all[2])));
  // RFC 4648 / FIPS 180-4: SHA-256("abc") in base64.
  EXPECT_EQ(csp_script_hash("abc"), "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='");
}

TEST(ReportHtml, SectionsTablesAndRecipes) {
  const auto s = two_objective_study();
  const std::string page = study_html(s);
  for (int64_t n : {0, 1, 3, 7, 8}) {
    EXPECT_NE(page.find("id=\"recipe-" + std::to_string(n) + "\""), std::string::npos) << n;
    EXPECT_NE(page.find("href=\"#recipe-" + std::to_string(n) + "\""), std::string::npos) << n;
  }
  EXPECT_EQ(page.find("id=\"recipe-2\""), std::string::npos);
  for (int64_t n = 0; n < 9; ++n) EXPECT_NE(page.find("id=\"trial-" + std::to_string(n) + "\""), std::string::npos);
  EXPECT_NE(page.find("gptq: Hessian of layer 3 is not positive definite"), std::string::npos);
  EXPECT_NE(page.find("<dt>Trials</dt><dd>9 trials: 7 complete, 1 failed, 1 skipped</dd>"), std::string::npos);
  // No network reference: the only URL is the SVG namespace name.
  const auto count = [&](const std::string& needle) {
    size_t n = 0;
    for (size_t p = page.find(needle); p != std::string::npos; p = page.find(needle, p + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("http:"), count("http://www.w3.org/2000/svg"));
  EXPECT_EQ(count("https:"), 0u);
  EXPECT_EQ(count(" src="), 0u);
  EXPECT_EQ(count("href=\""), count("href=\"#"));  // links stay inside the page
}

}  // namespace
}  // namespace slimlm::report
