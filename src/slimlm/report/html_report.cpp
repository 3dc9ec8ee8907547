#include "slimlm/report/html_report.h"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>

#include "slimlm/registry/hashing.h"
#include "slimlm/report/escape.h"
#include "slimlm/report/html_assets.h"
#include "slimlm/report/metric_info.h"
#include "slimlm/report/page_data.h"
#include "slimlm/report/study_summary.h"

namespace slimlm::report {
namespace {

std::string base64(const std::vector<uint8_t>& bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t b0 = bytes[i];
    const uint32_t b1 = i + 1 < bytes.size() ? bytes[i + 1] : 0;
    const uint32_t b2 = i + 2 < bytes.size() ? bytes[i + 2] : 0;
    const uint32_t n = (b0 << 16) | (b1 << 8) | b2;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
  }
  return out;
}

std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string e(std::string_view s) { return html_escape(s); }

std::string arrow(const StudyData& s, const std::string& metric) {
  return direction_of(s, metric) == search::Direction::kMaximize ? " ↑" : " ↓";
}

// A numeric cell: the formatted value shown, the raw one in data-v for sorting.
std::string metric_td(const StudyData& s, const TrialData& t, const std::string& m) {
  std::string text;
  std::optional<double> raw;
  if (auto it = t.metrics.find(m); it != t.metrics.end()) {
    text = format_value(it->second);
    raw = it->second.value;
  }
  if (auto v = metric_value(s, t, m)) {
    raw = *v;
    if (text.empty()) text = format_value(*v, metric_unit(s, m));
  }
  if (!raw || !std::isfinite(*raw)) return "<td class=\"num\">-</td>";
  return fmt::format("<td class=\"num\" data-v=\"{}\">{}</td>", *raw, e(text));
}

std::string metric_headers(const StudyData& s, const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& m : columns) out += fmt::format("<th class=\"num\">{}</th>", e(m + arrow(s, m)));
  return out;
}

std::string header(const StudyData& s) {
  std::string out = fmt::format("<header><h1>Study {}</h1>\n<dl class=\"meta\">\n", e(s.name));
  const auto item = [&](const char* key, const std::string& value) {
    if (!value.empty()) out += fmt::format("<dt>{}</dt><dd>{}</dd>\n", key, e(value));
  };
  const size_t nf = s.frontier().size();
  item("Model", s.model);
  item("Sampler", s.sampler);
  item("Objectives", objectives_text(s));
  item("Trials", trial_counts_text(s));
  item("Frontier", fmt::format("{} point{}", nf, nf == 1 ? "" : "s"));
  if (const std::string rho = proxy_correlation_text(s); !rho.empty()) {
    out += fmt::format("<dt>Proxy</dt><dd title=\"Spearman's rank correlation between the values the per-layer "
                       "proxy predicted and those full evaluation measured, over the trials that have both: 1 = "
                       "the proxy ranks candidates exactly as full evaluation does, 0 = unrelated\">rank "
                       "correlation with full evaluation: {}</dd>\n",
                       e(rho));
  }
  item("Status", s.status);
  item("Hardware", hardware_summary(s.hardware_json));
  item("slimlm", s.slimlm_version);
  if (!s.created_at.empty()) item("Created", s.created_at + (s.updated_at.empty() ? "" : ", updated " + s.updated_at));
  out += "</dl></header>\n";
  out += "<nav><a href=\"#frontier\">Frontier</a><a href=\"#plots\">Trade-offs</a>";
  if (!s.sensitivity.empty()) out += "<a href=\"#sensitivity\">Sensitivity</a>";
  if (!s.references.empty()) out += "<a href=\"#references\">Reference runs</a>";
  out += "<a href=\"#trials\">All trials</a><a href=\"#recipes\">Recipes</a>";
  if (!s.config_yaml.empty()) out += "<a href=\"#config\">Config</a>";
  out += "</nav>\n";
  return out;
}

std::string frontier_section(const StudyData& s, const std::vector<std::string>& columns) {
  std::string out = "<section id=\"frontier\"><h2>Pareto frontier</h2>\n";
  const auto front = s.frontier();
  if (front.empty()) return out + "<p>No feasible trial has been measured yet.</p></section>\n";
  out += "<div class=\"wrap\"><table class=\"sortable\"><thead><tr><th class=\"num\">#</th><th>recipe</th>" +
         metric_headers(s, columns) + "</tr></thead><tbody>\n";
  for (const TrialData* t : front) {
    out += fmt::format("<tr class=\"frontier\" data-row=\"{0}\"><td class=\"num\" data-v=\"{0}\">{0}</td>"
                       "<td><a href=\"#recipe-{0}\">{1}</a></td>",
                       t->number, e(t->summary));
    for (const auto& m : columns) out += metric_td(s, *t, m);
    out += "</tr>\n";
  }
  return out + "</tbody></table></div></section>\n";
}

std::string plots_section(const StudyData& s) {
  std::string out = "<section id=\"plots\"><h2>Trade-offs</h2>\n<div class=\"legend\">";
  out += "<span><svg width=\"12\" height=\"12\"><circle cx=\"6\" cy=\"6\" r=\"5\" fill=\"#d9480f\"/></svg>"
         "Pareto frontier (all objectives)</span>";
  out += "<span><svg width=\"12\" height=\"12\"><circle cx=\"6\" cy=\"6\" r=\"4.5\" fill=\"#1c7ed6\" "
         "fill-opacity=\".55\"/></svg>feasible</span>";
  out += "<span><svg width=\"12\" height=\"12\"><circle cx=\"6\" cy=\"6\" r=\"4.5\" fill=\"#fff\" stroke=\"#868e96\" "
         "stroke-dasharray=\"2 2\"/></svg>infeasible</span>";
  out += "<span>faint dotted: proxy prediction</span><span>line: the pair's 2-D front</span>";
  out += "</div>\n<div id=\"plot-grid\" class=\"grid\"></div>\n";
  if (s.objectives.empty()) out += "<p>The study has no objectives.</p>\n";
  out += "<noscript><p>The plots are drawn by the page's script; the tables below hold the same numbers.</p>"
         "</noscript></section>\n";
  return out;
}

std::string sensitivity_section(const StudyData& s) {
  if (s.sensitivity.empty()) return {};
  return "<section id=\"sensitivity\"><h2>Per-layer sensitivity</h2>\n"
         "<p class=\"legend\">Each cell: the metric when only that layer is compressed that way "
         "(rows: variants, columns: layers). Hover for the value.</p>\n"
         "<div id=\"heatmaps\" class=\"grid\"></div></section>\n";
}

std::string references_section(const StudyData& s, const std::vector<std::string>& columns) {
  if (s.references.empty()) return {};
  std::string out = "<section id=\"references\"><h2>Reference runs</h2>\n<div class=\"wrap\"><table>"
                    "<thead><tr><th class=\"num\">run</th><th>kind</th><th>summary</th><th>status</th>";
  for (const auto& m : columns) out += fmt::format("<th class=\"num\">{}</th>", e(m));
  out += "</tr></thead><tbody>\n";
  for (const auto& r : s.references) {
    out += fmt::format("<tr><td class=\"num\">{}</td><td>{}</td><td>{}</td><td>{}</td>", r.id, e(r.kind), e(r.summary),
                       e(registry::to_string(r.status)));
    for (const auto& m : columns) {
      auto it = r.metrics.find(m);
      out += it == r.metrics.end() ? "<td class=\"num\">-</td>"
                                   : fmt::format("<td class=\"num\">{}</td>", e(format_value(it->second)));
    }
    out += "</tr>\n";
  }
  return out + "</tbody></table></div></section>\n";
}

// The proxy's prediction of objective `i` for a trial, muted beside the
// measured value; "-" when the trial has none.
std::string proxy_td(const StudyData& s, const TrialData& t, size_t i) {
  if (t.proxy_objectives.size() != s.objectives.size() || !std::isfinite(t.proxy_objectives[i])) {
    return "<td class=\"num proxy\">-</td>";
  }
  const double v = t.proxy_objectives[i];
  return fmt::format("<td class=\"num proxy\" data-v=\"{}\">{}</td>", v,
                     e(format_value(v, metric_unit(s, s.objectives[i].metric))));
}

std::string trials_section(const StudyData& s, const std::vector<std::string>& columns) {
  // With a proxy, each objective's predicted value sits in the column right
  // after its measured one, so the two read side by side.
  const bool proxy = has_proxy_predictions(s);
  std::string head;
  for (const auto& m : columns) {
    head += fmt::format("<th class=\"num\">{}</th>", e(m + arrow(s, m)));
    if (proxy && objective_index(s, m)) {
      head += fmt::format("<th class=\"num proxy\" title=\"predicted by the proxy\">{}</th>", e(m + " (proxy)"));
    }
  }
  std::string out = "<section id=\"trials\"><h2>All trials</h2>\n<p class=\"legend\">Click a header to sort.</p>"
                    "<div class=\"wrap\"><table class=\"sortable\"><thead><tr><th class=\"num\">#</th>"
                    "<th class=\"num\">gen</th><th>stage</th><th>state</th><th>recipe</th><th>feasible</th>" +
                    head + "<th>error</th></tr></thead><tbody>\n";
  for (const auto& t : s.trials) {
    const char* cls = t.on_frontier                               ? "frontier"
                      : t.state == registry::TrialState::kFailed ? "failed"
                      : !t.feasible()                             ? "infeasible"
                                                                  : "";
    out += fmt::format("<tr id=\"trial-{0}\" class=\"{1}\" data-row=\"{0}\"><td class=\"num\" data-v=\"{0}\">{0}{2}"
                       "</td><td class=\"num\" data-v=\"{3}\">{3}</td><td>{4}</td><td>{5}</td><td>{6}</td>",
                       t.number, cls, t.on_frontier ? " ★" : "", t.generation, e(t.stage),
                       e(registry::to_string(t.state)), e(t.summary));
    out += t.feasible() ? "<td data-v=\"0\">yes</td>"
                        : fmt::format("<td data-v=\"{0}\">no ({0:.3g})</td>", t.violation);
    for (const auto& m : columns) {
      out += metric_td(s, t, m);
      if (const auto i = objective_index(s, m); proxy && i) out += proxy_td(s, t, *i);
    }
    out += fmt::format("<td class=\"error\">{}</td></tr>\n", e(t.error));
  }
  out += "</tbody></table></div><p class=\"legend\">★ on the Pareto frontier.";
  if (proxy) out += " (proxy): what the per-layer proxy predicted before the trial was evaluated.";
  return out + "</p></section>\n";
}

std::string recipes_section(const StudyData& s) {
  std::string out = "<section id=\"recipes\"><h2>Recipes of the frontier</h2>\n";
  const auto front = s.frontier();
  if (front.empty()) return out + "<p>None yet.</p></section>\n";
  for (const TrialData* t : front) {
    out += fmt::format("<article id=\"recipe-{}\"><h3>#{} {}</h3>\n", t->number, t->number, e(t->summary));
    if (!t->params.empty()) out += fmt::format("<p>Parameters: <code>{}</code></p>\n", e(params_summary(t->params)));
    if (!t->artifact_path.empty()) out += fmt::format("<p>Model: <code>{}</code></p>\n", e(t->artifact_path));
    if (t->run_id) out += fmt::format("<p>Run {} (<code>slimlm runs show {}</code>)</p>\n", *t->run_id, *t->run_id);
    const std::string recipe = t->recipe_json.empty() ? t->params_json : t->recipe_json;
    if (!recipe.empty()) out += fmt::format("<pre>{}</pre>\n", e(pretty_recipe(recipe)));
    out += "</article>\n";
  }
  return out + "</section>\n";
}

std::string config_section(const StudyData& s) {
  if (s.config_yaml.empty()) return {};
  return fmt::format("<section id=\"config\"><h2>Study configuration</h2>\n<details><summary>{} as run</summary>"
                     "<pre>{}</pre></details></section>\n",
                     e(s.name), e(s.config_yaml));
}

}  // namespace

std::string csp_script_hash(std::string_view script) {
  return "'sha256-" + base64(from_hex(registry::sha256_text(script))) + "'";
}

std::string study_html(const StudyData& s) {
  const auto columns = key_metrics(s);
  const std::string data =
      json_for_script(html_page_data(s).dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace));
  const std::string_view hook = error_hook_js();
  const std::string_view main_js = report_js();

  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  // No network, no plugins, only the two scripts below: even a markup bug
  // could not load or run anything else.
  out += fmt::format("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                     "style-src 'unsafe-inline'; img-src data:; script-src {} {}\">\n",
                     csp_script_hash(hook), csp_script_hash(main_js));
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += fmt::format("<title>slimlm study {}</title>\n<style>{}</style>\n</head>\n<body>\n", e(s.name), report_css());
  out += "<ul id=\"report-errors\" data-errors=\"0\" hidden></ul>\n";
  out += fmt::format("<script>{}</script>\n", hook);
  out += header(s);
  out += frontier_section(s, columns);
  out += plots_section(s);
  out += sensitivity_section(s);
  out += references_section(s, columns);
  out += trials_section(s, columns);
  out += recipes_section(s);
  out += config_section(s);
  out += "<div id=\"tooltip\" role=\"tooltip\" hidden></div>\n";
  out += fmt::format("<script id=\"report-data\" type=\"application/json\">{}</script>\n", data);
  out += fmt::format("<script>{}</script>\n</body></html>\n", main_js);
  return out;
}

}  // namespace slimlm::report
