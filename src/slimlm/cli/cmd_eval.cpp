// `slimlm eval MODEL --task perplexity|kld --data FILE ...`: perplexity under
// the hf or llama.cpp protocol, or KL divergence from a base model on the same
// tokens (llama-perplexity --kl-divergence).
// `slimlm eval MODEL --task hellaswag,mmlu,gsm8k,...`: several tasks in one
// call (eval/tasks/task_registry.h), with the model's footprint, speed, peak
// memory, energy and CO2, as a table or --json (eval/suite).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

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
#include "slimlm/core/threads.h"
#include "slimlm/eval/corpus.h"
#include "slimlm/eval/energy/carbon_intensity.h"
#include "slimlm/eval/kld.h"
#include "slimlm/eval/perplexity.h"
#include "slimlm/eval/suite/evaluation_report.h"
#include "slimlm/eval/suite/model_eval.h"
#include "slimlm/eval/system/memory.h"
#include "slimlm/eval/tasks/task_registry.h"
#include "slimlm/model/model.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::cli {
namespace {

using Json = nlohmann::ordered_json;

struct EvalOptions {
  std::string model;
  std::vector<std::string> tasks = {"perplexity"};
  std::string data;
  std::string base;
  int64_t ctx = 512;
  std::string protocol = "llama.cpp";
  int64_t limit_chunks = 0;
  int64_t batch = 0;
  bool json = false;
  // Task suite.
  std::vector<std::string> task_data;  // NAME=PATH
  int64_t limit = 0;
  int shots = -1;
  bool add_bos = false;
  int64_t max_gen_tokens = 256;
  std::vector<std::string> subjects;
  bool speed = false;
  bool groups = false;
  std::optional<double> carbon_intensity;
  std::string country;
  double watts_per_core = eval::kDefaultWattsPerCore;
};

// The id every llama.cpp window starts with: config.json's bos_token_id (what
// the goldens and llama.cpp's GGUF conversion use), else the tokenizer's.
std::optional<int32_t> bos_id(const model::Model& m, const tokenizer::Tokenizer& tok) {
  if (m.config().bos_token_id) return static_cast<int32_t>(*m.config().bos_token_id);
  return tok.bos_id();
}

std::string model_name(const std::string& dir) {
  std::filesystem::path p(dir);
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

Json perplexity_json(const eval::PerplexityResult& r) {
  return {{"protocol", std::string(eval::to_string(r.protocol))},
          {"ctx", r.ctx},
          {"chunks", r.chunks},
          {"chunks_total", r.chunks_total},
          {"batch", r.batch},
          {"tokens", r.tokens},
          {"tokens_scored", r.tokens_scored},
          {"nll_sum", r.nll_sum},
          {"mean_nll", r.mean_nll},
          {"ppl", r.ppl},
          {"ppl_stderr", r.ppl_stderr},
          {"seconds", r.seconds},
          {"scored_tokens_per_second", r.seconds > 0 ? static_cast<double>(r.tokens_scored) / r.seconds : 0.0}};
}

Json kld_json(const eval::KldResult& r) {
  const auto& s = r.stats;
  return {{"protocol", std::string(eval::to_string(r.protocol))},
          {"ctx", r.ctx},
          {"chunks", r.chunks},
          {"chunks_total", r.chunks_total},
          {"tokens", r.tokens},
          {"tokens_scored", s.tokens},
          {"kld_mean", s.kld_mean},
          {"kld_stderr", s.kld_unc},
          {"kld_max", s.kld_max},
          {"kld_p999", s.kld_p999},
          {"kld_p99", s.kld_p99},
          {"kld_p95", s.kld_p95},
          {"kld_p90", s.kld_p90},
          {"kld_median", s.kld_median},
          {"kld_p10", s.kld_p10},
          {"kld_p01", s.kld_p01},
          {"kld_min", s.kld_min},
          {"same_top1", s.top1},
          {"same_top1_stderr", s.top1_unc},
          {"ppl", s.ppl_model},
          {"ppl_stderr", s.ppl_model_unc},
          {"ppl_base", s.ppl_base},
          {"ppl_base_stderr", s.ppl_base_unc},
          {"ppl_ratio", s.ppl_ratio},
          {"ppl_ratio_stderr", s.ppl_ratio_unc},
          {"ln_ppl_ratio", s.ln_ppl_ratio},
          {"ln_ppl_ratio_stderr", s.ln_ppl_ratio_unc},
          {"ppl_correlation", s.ppl_correlation},
          {"dp_mean", s.dp_mean},
          {"dp_rms", s.dp_rms},
          {"seconds", r.seconds}};
}

std::string kld_text(const eval::KldResult& r) {
  const auto& s = r.stats;
  std::string o;
  o += fmt::format("KLD = {:.6f} ± {:.6f}, p99 {:.6f}, same top-1 {:.3f} ± {:.3f} %, PPL ratio "
                   "{:.6f} ± {:.6f} over {} tokens ({} chunks of {})\n",
                   s.kld_mean, s.kld_unc, s.kld_p99, 100.0 * s.top1, 100.0 * s.top1_unc, s.ppl_ratio,
                   s.ppl_ratio_unc, s.tokens, r.chunks, r.ctx);
  o += "====== Perplexity statistics ======\n";
  o += fmt::format("Mean PPL(Q)                   : {:10.6f} ± {:10.6f}\n", s.ppl_model, s.ppl_model_unc);
  o += fmt::format("Mean PPL(base)                : {:10.6f} ± {:10.6f}\n", s.ppl_base, s.ppl_base_unc);
  o += fmt::format("Cor(ln(PPL(Q)), ln(PPL(base))): {:6.2f}%\n", 100.0 * s.ppl_correlation);
  o += fmt::format("Mean ln(PPL(Q)/PPL(base))     : {:10.6f} ± {:10.6f}\n", s.ln_ppl_ratio, s.ln_ppl_ratio_unc);
  o += fmt::format("Mean PPL(Q)/PPL(base)         : {:10.6f} ± {:10.6f}\n", s.ppl_ratio, s.ppl_ratio_unc);
  o += "====== KL divergence statistics ======\n";
  o += fmt::format("Mean    KLD: {:10.6f} ± {:10.6f}\n", s.kld_mean, s.kld_unc);
  o += fmt::format("Maximum KLD: {:10.6f}\n", s.kld_max);
  o += fmt::format("99.9%   KLD: {:10.6f}\n", s.kld_p999);
  o += fmt::format("99.0%   KLD: {:10.6f}\n", s.kld_p99);
  o += fmt::format("95.0%   KLD: {:10.6f}\n", s.kld_p95);
  o += fmt::format("90.0%   KLD: {:10.6f}\n", s.kld_p90);
  o += fmt::format("Median  KLD: {:10.6f}\n", s.kld_median);
  o += fmt::format("10.0%   KLD: {:10.6f}\n", s.kld_p10);
  o += fmt::format(" 1.0%   KLD: {:10.6f}\n", s.kld_p01);
  o += fmt::format("Minimum KLD: {:10.6f}\n", s.kld_min);
  o += "====== Token probability statistics ======\n";
  o += fmt::format("Mean    Δp: {:6.3f} ± {:5.3f} %\n", 100.0 * s.dp_mean, 100.0 * s.dp_mean_unc);
  o += fmt::format("RMS Δp    : {:6.3f} ± {:5.3f} %\n", 100.0 * s.dp_rms, 100.0 * s.dp_rms_unc);
  o += fmt::format("Same top p: {:6.3f} ± {:5.3f} %\n", 100.0 * s.top1, 100.0 * s.top1_unc);
  return o;
}

// NAME=PATH pairs of --task-data.
std::map<std::string, std::filesystem::path> parse_task_data(const std::vector<std::string>& pairs) {
  std::map<std::string, std::filesystem::path> m;
  for (const auto& p : pairs) {
    const size_t eq = p.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == p.size()) {
      throw ConfigError(fmt::format("--task-data '{}': expected NAME=PATH (e.g. mmlu=/data/mmlu)", p));
    }
    const std::string name = p.substr(0, eq);
    if (!eval::find_task(name)) {
      throw ConfigError(fmt::format("--task-data: unknown task '{}' (known: {})", name, eval::task_names()));
    }
    m[name] = p.substr(eq + 1);
  }
  return m;
}

// Several tasks, or any task beyond perplexity and kld: the evaluation suite.
int run_suite(const EvalOptions& o) {
  eval::SuiteOptions so;
  so.task_data = parse_task_data(o.task_data);
  if (!o.data.empty()) so.task_data.emplace("perplexity", o.data);
  bool kld = false;
  for (const auto& t : o.tasks) {
    if (t == "kld") {
      kld = true;
    } else if (!eval::find_task(t)) {
      throw ConfigError(fmt::format("--task: unknown task '{}' (known: {}, kld)", t, eval::task_names()));
    } else {
      so.tasks.push_back(t);
    }
  }
  if (kld && o.base.empty()) throw ConfigError("--task kld needs --base BASE_MODEL_DIR");
  if (!kld && !o.base.empty()) throw ConfigError("--base is only used with --task kld");
  so.task.limit = o.limit;
  so.task_limit["perplexity"] = o.limit_chunks;
  so.task.shots = o.shots;
  so.task.batch = o.batch;
  so.task.add_bos = o.add_bos;
  so.task.max_gen_tokens = o.max_gen_tokens;
  so.task.subjects = o.subjects;
  so.task.ctx = o.ctx;
  so.task.protocol = o.protocol;
  so.task.progress = progress_enabled();
  so.speed = o.speed;
  so.energy.watts_per_core = o.watts_per_core;
  so.carbon = eval::resolve_carbon_intensity(o.carbon_intensity, o.country);

  eval::reset_peak_rss();
  const auto model = model::Model::load(o.model);
  const auto tok = tokenizer::Tokenizer::from_file(o.model);
  log::info("{}: tasks {}, {} threads", model_name(o.model), fmt::join(o.tasks, ","), num_threads());
  eval::ModelEvaluation ev = eval::evaluate_model(*model, tok, o.model, so);
  if (kld) {
    const auto base = model::Model::load(o.base);
    const auto base_tok = tokenizer::Tokenizer::from_file(o.base);
    eval::TaskOptions to = so.task;
    to.limit = o.limit_chunks;
    const auto text = eval::task_data_path(*eval::find_task("perplexity"), o.data);
    ev.kld = eval::evaluate_kld_against(*base, base_tok, o.base, *model, text, to);
  }
  const std::string out = o.json ? eval::evaluation_json(ev) + "\n" : eval::evaluation_text(ev, o.groups);
  std::fputs(out.c_str(), stdout);
  return kExitOk;
}

int run_eval(const EvalOptions& o) {
  if (o.tasks.size() != 1 || (o.tasks[0] != "perplexity" && o.tasks[0] != "kld") || !o.task_data.empty() ||
      o.speed) {
    return run_suite(o);
  }
  if (o.data.empty()) throw ConfigError("--data FILE is required (the evaluation text)");
  const bool kld = o.tasks[0] == "kld";
  if (kld && o.base.empty()) throw ConfigError("--task kld needs --base BASE_MODEL_DIR");
  if (!kld && !o.base.empty()) throw ConfigError("--base is only used with --task kld");
  const auto protocol = eval::ppl_protocol_from_string(o.protocol);
  if (!protocol) throw ConfigError(fmt::format("--protocol: unknown protocol '{}' (hf or llama.cpp)", o.protocol));

  const std::string text = eval::read_text_file(o.data);
  const auto model = model::Model::load(o.model);
  const auto tok = tokenizer::Tokenizer::from_file(o.model);
  const std::optional<int32_t> bos = bos_id(*model, tok);
  const std::vector<int32_t> tokens = eval::encode_for_protocol(tok, text, *protocol, bos);
  for (int32_t t : tokens) {
    if (t < 0 || t >= model->vocab_size()) {
      throw FormatError(fmt::format("{}: the tokenizer produced id {}, outside the model's vocabulary "
                                    "of {}", o.model, t, model->vocab_size()));
    }
  }
  if (o.ctx > model->config().max_position_embeddings && model->config().max_position_embeddings > 0) {
    log::warn("--ctx {} is beyond the model's max_position_embeddings {}", o.ctx,
              model->config().max_position_embeddings);
  }

  eval::PerplexityOptions po;
  po.protocol = *protocol;
  po.ctx = o.ctx;
  po.limit_chunks = o.limit_chunks;
  po.batch = o.batch > 0 ? o.batch : eval::default_batch(o.ctx, model->vocab_size());
  po.bos = bos.value_or(-1);
  po.progress = progress_enabled();
  log::info("{}: {} tokens of {} ({} protocol), ctx {}, {} window(s) per pass, {} threads",
            model_name(o.model), tokens.size(), o.data, eval::to_string(*protocol), o.ctx, po.batch,
            num_threads());

  Json j = {{"task", o.tasks[0]}, {"model", o.model}, {"data", o.data}};
  if (!kld) {
    const eval::PerplexityResult r = eval::evaluate_perplexity(eval::score_fn(*model), tokens, po);
    if (o.json) {
      j.update(perplexity_json(r));
      std::puts(j.dump(2).c_str());
    } else {
      std::printf("PPL = %.4f ± %.5f over %llu tokens (%lld chunks of %lld)\n", r.ppl, r.ppl_stderr,
                  static_cast<unsigned long long>(r.tokens_scored), static_cast<long long>(r.chunks),
                  static_cast<long long>(r.ctx));
      log::info("{:.1f} s, {:.0f} scored tokens/s", r.seconds,
                r.seconds > 0 ? static_cast<double>(r.tokens_scored) / r.seconds : 0.0);
    }
    return kExitOk;
  }

  const auto base = model::Model::load(o.base);
  if (base->vocab_size() != model->vocab_size()) {
    throw ConfigError(fmt::format("--base {}: vocabulary of {} tokens, the model has {}; KL "
                                  "divergence needs the same vocabulary",
                                  o.base, base->vocab_size(), model->vocab_size()));
  }
  const eval::KldResult r =
      eval::evaluate_kld(eval::score_fn(*base), eval::score_fn(*model), tokens, po);
  if (o.json) {
    j["base"] = o.base;
    j.update(kld_json(r));
    std::puts(j.dump(2).c_str());
  } else {
    std::fputs(kld_text(r).c_str(), stdout);
    log::info("{:.1f} s", r.seconds);
  }
  return kExitOk;
}

}  // namespace

RunFn setup_eval(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  app.add_option("MODEL", o->model, "Model folder (config.json, *.safetensors, tokenizer.json)")->required();
  app.add_option("--task", o->tasks,
                 "Tasks, comma-separated or repeated: perplexity, kld (KL divergence from --base), " +
                     eval::task_names().substr(eval::task_names().find(',') + 2))
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--data", o->data, "Evaluation text for perplexity / kld, tokenized as one string (e.g. wiki.test.raw)");
  app.add_option("--task-data", o->task_data,
                 "NAME=PATH: a task's data file or folder (default: under $SLIMLM_DATA, e.g. eval/mmlu)");
  app.add_option("--limit", o->limit, "Tasks: only the first N items (MMLU: per subject; 0: all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--shots", o->shots, "Tasks: few-shot examples (default: the task's, e.g. MMLU 5, GSM8K 5)")
      ->check(CLI::Range(0, 64));
  app.add_flag("--add-bos", o->add_bos, "Tasks: start every sequence with BOS (lm-eval add_bos_token=True)");
  app.add_option("--max-gen-tokens", o->max_gen_tokens, "Generation tasks: token budget per answer")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--subjects", o->subjects, "MMLU: only these subjects (comma-separated)")->delimiter(',');
  app.add_flag("--groups", o->groups, "Table: also one row per MMLU subject");
  app.add_flag("--speed", o->speed, "Also measure prefill (pp512) and decode (tg128) tokens/s");
  app.add_option("--carbon-intensity", o->carbon_intensity, "Grams of CO2 per kWh for the CO2 figure");
  app.add_option("--country", o->country,
                 "ISO 3166 country code for the CO2 figure (built-in table; default: world average)");
  app.add_option("--watts-per-core", o->watts_per_core,
                 "Energy estimate without RAPL: watts per busy core (Green Algorithms default)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--base", o->base, "kld: the base (reference) model folder");
  app.add_option("--ctx", o->ctx, "Tokens per window")->check(CLI::Range(int64_t{2}, int64_t{1} << 20))
      ->capture_default_str();
  app.add_option("--protocol", o->protocol,
                 "llama.cpp (BOS + second half of each chunk scored) or hf (every token after a "
                 "window's first)")
      ->check(CLI::IsMember({"llama.cpp", "hf"}))
      ->capture_default_str();
  app.add_option("--limit-chunks", o->limit_chunks, "Evaluate only the first N windows (0: all)")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--batch", o->batch,
                 "Windows per forward pass (default: 2048 / ctx, memory permitting); tasks: rows per forward pass "
                 "(default 0: one sequence at a time, sharing prompt prefixes through the KV cache)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--json", o->json, "Print one JSON object");
  return [o]() { return run_eval(*o); };
}

}  // namespace slimlm::cli
