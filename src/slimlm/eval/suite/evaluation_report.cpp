#include "slimlm/eval/suite/evaluation_report.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "slimlm/eval/suite/comparison.h"
#include "slimlm/eval/tasks/multiple_choice.h"

namespace slimlm::eval {
namespace {

using Json = nlohmann::ordered_json;

Json metric_json(const Metric& m) {
  Json j = {{"name", m.name}, {"value", m.value}, {"unit", m.unit}};
  j["stderr"] = m.std_error ? Json(*m.std_error) : Json(nullptr);
  return j;
}

Json speed_json(const SpeedResult& s) {
  return {{"test", s.test}, {"tokens_per_second", s.rate.mean}, {"stddev", s.rate.sd},
          {"repetitions", s.tps.size()}, {"seconds", s.seconds}};
}

std::string pad(const std::string& s, size_t w) {
  const size_t n = utf8_length(s);
  return n >= w ? s : s + std::string(w - n, ' ');
}

std::string bytes_text(uint64_t b) { return format_metric_value(Metric{"", static_cast<double>(b), "bytes", {}}); }

}  // namespace

std::string evaluation_text(const ModelEvaluation& ev, bool groups) {
  std::vector<std::vector<std::string>> rows = {{"task", "metric", "value", "n", "shots", "time"}};
  for (const auto& t : ev.tasks) {
    for (const auto& m : t.metrics) {
      if (m.unit == "tokens" || m.unit == "nats") continue;  // perplexity's bookkeeping rows stay in JSON
      rows.push_back({t.task, m.name, format_metric_value(m), std::to_string(t.items), std::to_string(t.shots),
                      fmt::format("{:.1f} s", t.seconds)});
    }
    if (groups) {
      for (const auto& [g, ms] : t.groups) {
        for (const auto& m : ms) rows.push_back({"  " + g, m.name, format_metric_value(m), "", "", ""});
      }
    }
  }
  if (ev.kld) {
    const auto& s = ev.kld->result.stats;
    rows.push_back({"kld", "mean", format_metric_value(Metric{"", s.kld_mean, "nats", s.kld_unc}),
                    std::to_string(s.tokens), "", fmt::format("{:.1f} s", ev.kld->result.seconds)});
    rows.push_back({"kld", "same_top1", format_metric_value(Metric{"", s.top1, "fraction", s.top1_unc}), "", "", ""});
  }
  for (const auto* s : {&ev.prefill, &ev.decode}) {
    if (!*s) continue;
    rows.push_back({"speed", (*s)->test, fmt::format("{:.1f} ± {:.1f} t/s", (*s)->rate.mean, (*s)->rate.sd),
                    std::to_string((*s)->tps.size()), "", fmt::format("{:.1f} s", (*s)->mean_seconds())});
  }
  size_t w[6] = {};
  for (const auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) w[i] = std::max(w[i], utf8_length(r[i]));
  }
  std::string out = fmt::format("{}: {:.2f} M parameters, {} on disk ({:.2f} bits/weight), {} for compute, KV "
                                "cache {} per token\n",
                                ev.name, static_cast<double>(ev.footprint.parameters) / 1e6,
                                bytes_text(ev.footprint.file_bytes), ev.footprint.bits_per_weight,
                                bytes_text(ev.footprint.weight_bytes), bytes_text(ev.footprint.kv_bytes_per_token));
  for (size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (size_t i = 0; i < rows[r].size(); ++i) line += (i ? "  " : "") + pad(rows[r][i], w[i]);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  out += fmt::format("peak memory {} (resident set)\n", bytes_text(ev.peak_rss));
  const auto& e = ev.energy;
  out += fmt::format("energy {:.2f} J over {:.1f} s, {:.4g} J/token ({} tokens){}\n", e.total_joules(), e.seconds,
                     joules_per_token(e.total_joules(), ev.tokens), ev.tokens, e.estimated() ? ", estimated" : "");
  out += fmt::format("  CPU: {} J, {}\n", fmt::format("{:.2f}", e.cpu_joules), e.cpu_method);
  if (e.gpu_source != EnergySource::kNone) out += fmt::format("  GPU: {:.2f} J, {}\n", e.gpu_joules, e.gpu_method);
  out += fmt::format("CO2 {:.4g} g, {:.4g} g per million tokens at {:.1f} g/kWh ({})\n", ev.co2.grams,
                     grams_per_million_tokens(ev.co2.grams, ev.tokens), ev.carbon.g_per_kwh, ev.carbon.source);
  for (const auto& t : ev.tasks) {
    for (const auto& n : t.notes) out += fmt::format("note: {}: {}\n", t.task, n);
  }
  return out;
}

std::string evaluation_json(const ModelEvaluation& ev) {
  Json j;
  j["model"] = ev.model;
  j["name"] = ev.name;
  j["footprint"] = {{"file_bytes", ev.footprint.file_bytes},
                    {"weight_bytes", ev.footprint.weight_bytes},
                    {"parameters", ev.footprint.parameters},
                    {"bits_per_weight", ev.footprint.bits_per_weight},
                    {"kv_bytes_per_token", ev.footprint.kv_bytes_per_token}};
  Json tasks = Json::array();
  for (const auto& t : ev.tasks) {
    Json tj = {{"task", t.task},  {"data", t.data},       {"shots", t.shots}, {"items", t.items},
               {"seconds", t.seconds}, {"forward_tokens", t.forward_tokens}, {"reused_tokens", t.reused_tokens}};
    Json ms = Json::array();
    for (const auto& m : t.metrics) ms.push_back(metric_json(m));
    tj["metrics"] = std::move(ms);
    if (!t.groups.empty()) {
      Json g = Json::object();
      for (const auto& [name, gm] : t.groups) {
        Json arr = Json::array();
        for (const auto& m : gm) arr.push_back(metric_json(m));
        g[name] = std::move(arr);
      }
      tj["groups"] = std::move(g);
    }
    tj["notes"] = t.notes;
    tasks.push_back(std::move(tj));
  }
  j["tasks"] = std::move(tasks);
  if (ev.kld) {
    const auto& s = ev.kld->result.stats;
    j["kld"] = {{"base", ev.kld->base},           {"tokens", s.tokens},   {"kld_mean", s.kld_mean},
                {"kld_stderr", s.kld_unc},        {"kld_p99", s.kld_p99}, {"same_top1", s.top1},
                {"same_top1_stderr", s.top1_unc}, {"ppl_ratio", s.ppl_ratio}};
  }
  Json speed = Json::object();
  if (ev.prefill) speed["prefill"] = speed_json(*ev.prefill);
  if (ev.decode) speed["decode"] = speed_json(*ev.decode);
  j["speed"] = std::move(speed);
  j["memory"] = {{"peak_rss_bytes", ev.peak_rss}};
  const auto& e = ev.energy;
  j["energy"] = {{"joules", e.total_joules()},
                 {"seconds", e.seconds},
                 {"cpu_seconds", e.cpu_seconds},
                 {"cpu_joules", e.cpu_joules},
                 {"cpu_source", std::string(to_string(e.cpu_source))},
                 {"cpu_method", e.cpu_method},
                 {"dram_joules", e.dram_joules},
                 {"gpu_joules", e.gpu_joules},
                 {"gpu_source", std::string(to_string(e.gpu_source))},
                 {"gpus", e.gpus},
                 {"estimated", e.estimated()},
                 {"tokens", ev.tokens},
                 {"joules_per_token", joules_per_token(e.total_joules(), ev.tokens)}};
  j["co2"] = {{"grams", ev.co2.grams},
              {"kwh", ev.co2.kwh},
              {"g_per_kwh", ev.carbon.g_per_kwh},
              {"region", ev.carbon.region},
              {"source", ev.carbon.source},
              {"grams_per_million_tokens", grams_per_million_tokens(ev.co2.grams, ev.tokens)}};
  Json flat = Json::array();
  for (const auto& m : ev.metrics()) flat.push_back(metric_json(m));
  j["metrics"] = std::move(flat);
  return j.dump(2);
}

}  // namespace slimlm::eval
