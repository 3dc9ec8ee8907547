// `slimlm compare BASE OTHER... [--data FILE] [--tasks hellaswag,mmlu]`: the
// base model and each other model evaluated the same way — bytes, bits per
// weight, perplexity on --data, KL divergence from BASE on the same windows,
// task accuracies with standard errors, prefill/decode speed, peak memory,
// energy and CO2 — in one table with each value's delta and ratio to BASE
// (text, --markdown, --csv or --json). Models are evaluated one at a time;
// the peak resident memory of each is measured before BASE is loaded again
// for its KL divergence.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "slimlm/cli/command.h"
#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/progress.h"
#include "slimlm/eval/energy/carbon_intensity.h"
#include "slimlm/eval/suite/comparison.h"
#include "slimlm/eval/suite/model_eval.h"
#include "slimlm/eval/system/memory.h"
#include "slimlm/eval/tasks/task_registry.h"
#include "slimlm/model/model.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::cli {
namespace {

struct CompareOptions {
  std::vector<std::string> models;  // BASE first
  std::string data;
  std::vector<std::string> tasks;
  std::vector<std::string> task_data;
  int64_t limit = 0;
  int64_t limit_chunks = 0;
  int64_t ctx = 512;
  std::string protocol = "llama.cpp";
  int shots = -1;
  int64_t batch = 0;
  bool add_bos = false;
  int64_t max_gen_tokens = 256;
  std::vector<std::string> subjects;
  bool no_speed = false;
  int64_t pp = 512;
  int64_t tg = 128;
  int repetitions = 3;
  std::optional<double> carbon_intensity;
  std::string country;
  double watts_per_core = eval::kDefaultWattsPerCore;
  bool markdown = false, csv = false, json = false, all_metrics = false;
};

std::map<std::string, std::filesystem::path> parse_task_data(const std::vector<std::string>& pairs) {
  std::map<std::string, std::filesystem::path> m;
  for (const auto& p : pairs) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size() || !eval::find_task(p.substr(0, eq))) {
      throw ConfigError(fmt::format("--task-data '{}': expected NAME=PATH with NAME one of {}", p,
                                    eval::task_names()));
    }
    m[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return m;
}

int run_compare(const CompareOptions& o) {
  if (o.models.size() < 2) throw ConfigError("compare needs a BASE model and at least one other model");
  if (static_cast<int>(o.markdown) + static_cast<int>(o.csv) + static_cast<int>(o.json) > 1) {
    throw ConfigError("--markdown, --csv and --json exclude each other");
  }
  for (const auto& t : o.tasks) {
    if (t == "perplexity" || t == "kld") {
      throw ConfigError(fmt::format("--tasks {}: perplexity and KLD come from --data FILE", t));
    }
    if (!eval::find_task(t)) throw ConfigError(fmt::format("--tasks: unknown task '{}' (known: {})", t, eval::task_names()));
  }
  if (o.data.empty() && o.tasks.empty() && o.no_speed) {
    throw ConfigError("nothing to compare but sizes: give --data FILE, --tasks or leave speed on");
  }
  eval::SuiteOptions so;
  if (!o.data.empty()) so.tasks.push_back("perplexity");
  so.tasks.insert(so.tasks.end(), o.tasks.begin(), o.tasks.end());
  so.task_data = parse_task_data(o.task_data);
  if (!o.data.empty()) so.task_data["perplexity"] = o.data;
  so.task.limit = o.limit;
  so.task_limit["perplexity"] = o.limit_chunks;
  so.task.ctx = o.ctx;
  so.task.protocol = o.protocol;
  so.task.shots = o.shots;
  so.task.batch = o.batch;
  so.task.add_bos = o.add_bos;
  so.task.max_gen_tokens = o.max_gen_tokens;
  so.task.subjects = o.subjects;
  so.task.progress = progress_enabled();
  so.speed = !o.no_speed;
  so.pp_tokens = o.pp;
  so.tg_tokens = o.tg;
  so.speed_repetitions = o.repetitions;
  so.energy.watts_per_core = o.watts_per_core;
  so.carbon = eval::resolve_carbon_intensity(o.carbon_intensity, o.country);

  std::vector<std::string> names;
  std::vector<std::vector<eval::Metric>> metrics;
  for (size_t i = 0; i < o.models.size(); ++i) {
    const std::string& dir = o.models[i];
    eval::ModelEvaluation ev;
    {
      eval::reset_peak_rss();
      const auto m = model::Model::load(dir);
      const auto tok = tokenizer::Tokenizer::from_file(dir);
      log::info("[{}/{}] {}", i + 1, o.models.size(), dir);
      ev = eval::evaluate_model(*m, tok, dir, so);
      if (i > 0 && !o.data.empty()) {
        const auto base = model::Model::load(o.models[0]);
        const auto base_tok = tokenizer::Tokenizer::from_file(o.models[0]);
        eval::TaskOptions to = so.task;
        to.limit = o.limit_chunks;
        ev.kld = eval::evaluate_kld_against(*base, base_tok, o.models[0], *m, o.data, to);
      }
    }
    std::string name = ev.name;
    // Two folders with one name (a/model, b/model) stay apart.
    for (const auto& n : names) {
      if (n == name) name = dir;
    }
    names.push_back(name);
    metrics.push_back(ev.metrics());
  }
  const eval::Comparison c = eval::build_comparison(names, metrics, o.all_metrics || o.csv || o.json);
  std::string out;
  if (o.json) out = eval::comparison_json(c) + "\n";
  else if (o.csv) out = eval::comparison_csv(c);
  else if (o.markdown) out = eval::comparison_markdown(c);
  else out = eval::comparison_text(c);
  std::fputs(out.c_str(), stdout);
  if (c.energy_estimated && !o.json && !o.csv) {
    std::printf("energy: estimated from CPU time x %g W per busy core (RAPL not readable); see eval --json\n",
                o.watts_per_core);
  }
  return kExitOk;
}

}  // namespace

RunFn setup_compare(CLI::App& app) {
  auto o = std::make_shared<CompareOptions>();
  app.add_option("MODELS", o->models, "Model folders: BASE first, then the models compared with it")
      ->required()
      ->expected(2, 1 << 20);
  app.add_option("--data", o->data, "Text for perplexity and KL divergence from BASE (e.g. wiki.test.raw)");
  app.add_option("--tasks", o->tasks, "Tasks to run on every model (comma-separated): " + eval::task_names())
      ->delimiter(',');
  app.add_option("--task-data", o->task_data, "NAME=PATH: a task's data (default: under $SLIMLM_DATA)");
  app.add_option("--limit", o->limit, "Tasks: only the first N items (MMLU: per subject; 0: all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--limit-chunks", o->limit_chunks, "Perplexity/KLD: only the first N windows (0: all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--ctx", o->ctx, "Perplexity/KLD window")->check(CLI::Range(int64_t{2}, int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--protocol", o->protocol, "Perplexity protocol: llama.cpp or hf")
      ->check(CLI::IsMember({"llama.cpp", "hf"}))
      ->capture_default_str();
  app.add_option("--shots", o->shots, "Tasks: few-shot examples (default: the task's)")->check(CLI::Range(0, 64));
  app.add_option("--batch", o->batch, "Rows per forward pass (0: default)")->check(CLI::NonNegativeNumber);
  app.add_flag("--add-bos", o->add_bos, "Tasks: start every sequence with BOS");
  app.add_option("--max-gen-tokens", o->max_gen_tokens, "Generation tasks: token budget per answer")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  app.add_option("--subjects", o->subjects, "MMLU: only these subjects")->delimiter(',');
  app.add_flag("--no-speed", o->no_speed, "Skip the prefill/decode speed measurement");
  app.add_option("-p,--n-prompt", o->pp, "Prefill test length")->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("-n,--n-gen", o->tg, "Decode test length")->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("-r,--repetitions", o->repetitions, "Speed repetitions")->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--carbon-intensity", o->carbon_intensity, "Grams of CO2 per kWh");
  app.add_option("--country", o->country, "ISO 3166 country code for the carbon intensity (default: world)");
  app.add_option("--watts-per-core", o->watts_per_core, "Energy estimate without RAPL: watts per busy core")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--markdown", o->markdown, "GitHub Markdown table");
  app.add_flag("--csv", o->csv, "CSV, one line per metric and model (every metric)");
  app.add_flag("--json", o->json, "JSON (every metric)");
  app.add_flag("--all-metrics", o->all_metrics, "Table: every metric, MMLU subjects included");
  return [o]() { return run_compare(*o); };
}

}  // namespace slimlm::cli
