// The metric names a study can optimise or bound: the rows of
// eval::ModelEvaluation::metrics() (eval/suite/model_eval.cpp) that the
// study's evaluation section produces, and a few short names for them.
#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "slimlm/compress/pipeline_step.h"
#include "slimlm/search/study_config_parse.h"

namespace slimlm::search {
namespace {

enum class Needs : uint8_t { kNothing, kText, kSpeed, kGpu };

struct MetricRow {
  std::string_view name, unit, meaning;
  Needs needs;
};

// In the order of ModelEvaluation::metrics(); task rows come between
// model/* and kld/* (task_metrics below).
constexpr std::array kModelRows = {
    MetricRow{"model/file_bytes", "bytes", "size of the model's *.safetensors files", Needs::kNothing},
    MetricRow{"model/weight_bytes", "bytes", "weights as held in memory for compute", Needs::kNothing},
    MetricRow{"model/parameters", "count", "parameters (a structured prune lowers it)", Needs::kNothing},
    MetricRow{"model/bits_per_weight", "bits", "8 * file_bytes / parameters", Needs::kNothing},
    MetricRow{"model/kv_bytes_per_token", "bytes", "K and V cache of every layer for one position", Needs::kNothing},
    MetricRow{"perplexity/ppl", "ppl", "perplexity of evaluation.text", Needs::kText},
    MetricRow{"perplexity/mean_nll", "nats", "mean negative log-likelihood of evaluation.text", Needs::kText},
    MetricRow{"perplexity/tokens_scored", "tokens", "tokens scored for the perplexity", Needs::kText},
};
constexpr std::array kRestRows = {
    MetricRow{"kld/mean", "nats", "mean KL divergence from the original model's next-token distribution", Needs::kText},
    MetricRow{"kld/p99", "nats", "99th percentile of the per-token KL divergence", Needs::kText},
    MetricRow{"kld/same_top1", "fraction", "tokens whose most likely next token is the original's", Needs::kText},
    MetricRow{"kld/ppl_ratio", "ratio", "perplexity / the original model's perplexity on the same tokens", Needs::kText},
    MetricRow{"speed/prefill", "tokens/s", "", Needs::kSpeed},  // placeholder: speed/pp<N>, see below
    MetricRow{"speed/decode", "tokens/s", "", Needs::kSpeed},   // speed/tg<N>
    MetricRow{"memory/peak_rss", "bytes", "peak resident memory while the model was evaluated", Needs::kNothing},
    MetricRow{"energy/joules", "J", "energy of the whole evaluation", Needs::kNothing},
    MetricRow{"energy/cpu_joules", "J", "CPU part of it (RAPL, or a CPU-time estimate)", Needs::kNothing},
    MetricRow{"energy/estimated", "bool", "1 when the CPU energy is the CPU-time estimate", Needs::kNothing},
    MetricRow{"energy/gpu_joules", "J", "GPU part (only on a machine with an NVIDIA GPU)", Needs::kGpu},
    MetricRow{"energy/joules_per_token", "J/token", "energy per token through the model", Needs::kNothing},
    MetricRow{"energy/carbon_intensity", "g/kWh", "grid intensity used (evaluation.carbon)", Needs::kNothing},
    MetricRow{"energy/co2_grams", "g", "CO2 of the evaluation", Needs::kNothing},
    MetricRow{"energy/co2_g_per_mtok", "g/Mtoken", "CO2 per million tokens", Needs::kNothing},
    MetricRow{"run/tokens", "tokens", "tokens through the model during the evaluation", Needs::kNothing},
    MetricRow{"run/seconds", "s", "duration of the evaluation", Needs::kNothing},
};

struct TaskMetrics {
  std::string_view task;
  std::array<std::string_view, 2> metrics;  // eval/tasks/*_task.cpp, headline first
};
constexpr std::array kTaskMetrics = {
    TaskMetrics{"hellaswag", {"acc", "acc_norm"}},
    TaskMetrics{"mmlu", {"acc", "acc_micro"}},
    TaskMetrics{"gsm8k", {"exact_match", "exact_match_flexible"}},
    TaskMetrics{"mc", {"acc", "acc_norm"}},
};

std::vector<std::string> every_name(const StudyConfig& c) {
  std::vector<std::string> names;
  for (const auto& m : study_metrics(c)) names.push_back(m.name);
  names.insert(names.end(), {"model/bytes", "speed/prefill_tps", "speed/decode_tps"});
  return names;
}

}  // namespace

std::vector<MetricInfo> study_metrics(const StudyConfig& c) {
  std::vector<MetricInfo> out;
  const bool text = !c.evaluation.text.empty();
  for (const auto& r : kModelRows) {
    if (r.needs == Needs::kText && !text) continue;
    out.push_back({std::string(r.name), std::string(r.unit), std::string(r.meaning)});
  }
  for (const auto& t : c.evaluation.tasks) {
    for (const auto& tm : kTaskMetrics) {
      if (tm.task != t.name) continue;
      for (auto m : tm.metrics) {
        out.push_back({fmt::format("{}/{}", t.name, m), "fraction", fmt::format("{} {}", t.name, m)});
      }
      if (t.name == "mmlu") out.push_back({"mmlu/<subject>/acc", "fraction", "accuracy on one MMLU subject"});
    }
  }
  for (const auto& r : kRestRows) {
    if (r.needs == Needs::kText && !text) continue;
    if (r.needs == Needs::kSpeed) {
      if (!c.evaluation.speed.enabled) continue;
      if (r.name == "speed/prefill") {
        out.push_back({fmt::format("speed/pp{}", c.evaluation.speed.prefill), "tokens/s",
                       fmt::format("prompt processing speed, {} tokens", c.evaluation.speed.prefill)});
      } else {
        out.push_back({fmt::format("speed/tg{}", c.evaluation.speed.decode), "tokens/s",
                       fmt::format("generation speed, {} tokens", c.evaluation.speed.decode)});
      }
      continue;
    }
    out.push_back({std::string(r.name), std::string(r.unit), std::string(r.meaning)});
  }
  return out;
}

namespace detail {

std::string resolve_metric(const StudyConfig& c, const std::string& name, std::string& problem) {
  std::string n = name;
  if (n == "model/bytes") n = "model/file_bytes";
  if (n == "speed/prefill_tps" || n == "speed/decode_tps") {
    if (!c.evaluation.speed.enabled) {
      problem = fmt::format("{} needs the speed measurement (evaluation.speed is off)", name);
      return "";
    }
    n = n == "speed/prefill_tps" ? fmt::format("speed/pp{}", c.evaluation.speed.prefill)
                                 : fmt::format("speed/tg{}", c.evaluation.speed.decode);
  }
  const auto metrics = study_metrics(c);
  for (const auto& m : metrics) {
    if (m.name == n) return n;
  }
  // mmlu/<subject>/acc
  if (n.starts_with("mmlu/") && n.ends_with("/acc") && n.size() > 9 &&
      std::any_of(c.evaluation.tasks.begin(), c.evaluation.tasks.end(), [](const TaskConfig& t) { return t.name == "mmlu"; })) {
    return n;
  }
  // Known but not measured under this config: say what would measure it.
  for (const auto& rows : {std::span<const MetricRow>(kModelRows), std::span<const MetricRow>(kRestRows)}) {
    for (const auto& r : rows) {
      if (r.name != n) continue;
      if (r.needs == Needs::kText) {
        problem = fmt::format("metric '{}' needs evaluation.text (the text perplexity and KL divergence are measured on)", name);
        return "";
      }
    }
  }
  if (n.starts_with("speed/pp") || n.starts_with("speed/tg")) {
    problem = fmt::format("metric '{}': this config measures {}", name,
                          c.evaluation.speed.enabled ? fmt::format("speed/pp{} and speed/tg{} (evaluation.speed)",
                                                                   c.evaluation.speed.prefill, c.evaluation.speed.decode)
                                                     : "no speed (evaluation.speed is off)");
    return "";
  }
  for (const auto& tm : kTaskMetrics) {
    if (n.starts_with(std::string(tm.task) + "/")) {
      problem = fmt::format("metric '{}' needs the task {} in evaluation.tasks", name, tm.task);
      return "";
    }
  }
  const std::vector<std::string> names = every_name(c);
  std::vector<std::string_view> views(names.begin(), names.end());
  const std::string close = compress::closest_name(name, views);
  std::string list;
  for (const auto& m : metrics) list += (list.empty() ? "" : ", ") + m.name;
  problem = fmt::format("unknown metric '{}'{}; this config measures: {} (and the short names model/bytes, "
                        "speed/prefill_tps, speed/decode_tps)",
                        name, close.empty() ? "" : fmt::format(" (did you mean '{}'?)", close), list);
  return "";
}

bool is_task_metric(const StudyConfig& c, const std::string& metric) {
  return std::any_of(c.evaluation.tasks.begin(), c.evaluation.tasks.end(),
                     [&](const TaskConfig& t) { return metric.starts_with(t.name + "/"); });
}

}  // namespace detail
}  // namespace slimlm::search
