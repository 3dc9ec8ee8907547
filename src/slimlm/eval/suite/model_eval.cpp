#include "slimlm/eval/suite/model_eval.h"

#include <fmt/format.h>

#include <cmath>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/timer.h"
#include "slimlm/eval/corpus.h"
#include "slimlm/eval/perplexity.h"
#include "slimlm/eval/system/memory.h"
#include "slimlm/model/model.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::eval {
namespace {

Metric speed_metric(const SpeedResult& s) {
  const double n = static_cast<double>(s.tps.size());
  // One repetition has no spread to report: no standard error, rather than 0.
  std::optional<double> se;
  if (n >= 2) se = s.rate.sd / std::sqrt(n);
  return Metric{"speed/" + s.test, s.rate.mean, "tokens/s", se};
}

}  // namespace

std::string model_display_name(const std::filesystem::path& dir) {
  std::filesystem::path p = dir;
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

std::vector<Metric> ModelEvaluation::metrics() const {
  std::vector<Metric> m;
  m.push_back({"model/file_bytes", static_cast<double>(footprint.file_bytes), "bytes", std::nullopt});
  m.push_back({"model/weight_bytes", static_cast<double>(footprint.weight_bytes), "bytes", std::nullopt});
  m.push_back({"model/parameters", static_cast<double>(footprint.parameters), "count", std::nullopt});
  m.push_back({"model/bits_per_weight", footprint.bits_per_weight, "bits", std::nullopt});
  m.push_back({"model/kv_bytes_per_token", static_cast<double>(footprint.kv_bytes_per_token), "bytes", std::nullopt});
  for (const auto& t : tasks) {
    for (const auto& x : t.metrics) m.push_back({t.task + "/" + x.name, x.value, x.unit, x.std_error});
    for (const auto& [group, ms] : t.groups) {
      for (const auto& x : ms) m.push_back({t.task + "/" + group + "/" + x.name, x.value, x.unit, x.std_error});
    }
  }
  if (kld) {
    const auto& s = kld->result.stats;
    m.push_back({"kld/mean", s.kld_mean, "nats", s.kld_unc});
    m.push_back({"kld/p99", s.kld_p99, "nats", std::nullopt});
    m.push_back({"kld/same_top1", s.top1, "fraction", s.top1_unc});
    m.push_back({"kld/ppl_ratio", s.ppl_ratio, "ratio", s.ppl_ratio_unc});
  }
  if (prefill) m.push_back(speed_metric(*prefill));
  if (decode) m.push_back(speed_metric(*decode));
  m.push_back({"memory/peak_rss", static_cast<double>(peak_rss), "bytes", std::nullopt});
  m.push_back({"energy/joules", energy.total_joules(), "J", std::nullopt});
  m.push_back({"energy/cpu_joules", energy.cpu_joules, "J", std::nullopt});
  // 1 when the CPU part is the CPU-time estimate rather than RAPL.
  m.push_back({"energy/estimated", energy.estimated() ? 1.0 : 0.0, "bool", std::nullopt});
  if (energy.gpu_source != EnergySource::kNone) m.push_back({"energy/gpu_joules", energy.gpu_joules, "J", std::nullopt});
  m.push_back({"energy/joules_per_token", joules_per_token(energy.total_joules(), tokens), "J/token", std::nullopt});
  m.push_back({"energy/carbon_intensity", carbon.g_per_kwh, "g/kWh", std::nullopt});
  m.push_back({"energy/co2_grams", co2.grams, "g", std::nullopt});
  m.push_back({"energy/co2_g_per_mtok", grams_per_million_tokens(co2.grams, tokens), "g/Mtoken", std::nullopt});
  m.push_back({"run/tokens", static_cast<double>(tokens), "tokens", std::nullopt});
  m.push_back({"run/seconds", seconds, "s", std::nullopt});
  return m;
}

ModelEvaluation evaluate_model(const model::Model& m, const tokenizer::Tokenizer& tok, const std::filesystem::path& dir,
                               const SuiteOptions& opts) {
  ModelEvaluation ev;
  ev.model = dir.string();
  ev.name = model_display_name(dir);
  ev.footprint = model_footprint(m, dir);
  ev.carbon = opts.carbon;
  EnergyMeter meter(opts.energy);
  Timer timer;
  meter.start();
  const TaskContext ctx{m, tok};
  for (const auto& name : opts.tasks) {
    TaskOptions to = opts.task;
    if (const auto it = opts.task_data.find(name); it != opts.task_data.end()) to.data = it->second;
    if (const auto it = opts.task_limit.find(name); it != opts.task_limit.end()) to.limit = it->second;
    log::info("{}: {}", ev.name, name);
    TaskResult r = run_task(name, ctx, to);
    ev.tokens += r.forward_tokens;
    ev.tasks.push_back(std::move(r));
  }
  if (opts.speed) {
    SpeedOptions so;
    so.repetitions = opts.speed_repetitions;
    log::info("{}: speed pp{} / tg{}", ev.name, opts.pp_tokens, opts.tg_tokens);
    ev.prefill = bench_prefill(m, opts.pp_tokens, 1, so);
    ev.decode = bench_decode(m, opts.tg_tokens, so);
    const auto reps = static_cast<uint64_t>(so.repetitions + so.warmup);
    ev.tokens += reps * static_cast<uint64_t>(opts.pp_tokens + opts.tg_tokens);
  }
  ev.energy = meter.stop();
  ev.seconds = timer.seconds();
  ev.co2 = emissions(ev.energy.total_joules(), ev.carbon);
  ev.peak_rss = peak_rss_bytes();
  return ev;
}

KldComparison evaluate_kld_against(const model::Model& base, const tokenizer::Tokenizer& base_tok,
                                   const std::string& base_dir, const model::Model& m,
                                   const std::filesystem::path& text, const TaskOptions& opts) {
  if (base.vocab_size() != m.vocab_size()) {
    throw ConfigError(fmt::format("KL divergence needs one vocabulary: {} has {} tokens, {} has {}", base_dir,
                                  base.vocab_size(), m.config().source, m.vocab_size()));
  }
  const auto protocol = ppl_protocol_from_string(opts.protocol);
  if (!protocol) throw ConfigError(fmt::format("--protocol: unknown protocol '{}' (hf or llama.cpp)", opts.protocol));
  std::optional<int32_t> bos;
  if (base.config().bos_token_id) bos = static_cast<int32_t>(*base.config().bos_token_id);
  else bos = base_tok.bos_id();
  const std::vector<int32_t> tokens = encode_for_protocol(base_tok, read_text_file(text), *protocol, bos);
  PerplexityOptions po;
  po.protocol = *protocol;
  po.ctx = opts.ctx;
  po.limit_chunks = opts.limit;
  po.batch = opts.batch > 0 ? opts.batch : default_batch(opts.ctx, m.vocab_size());
  po.bos = bos.value_or(-1);
  po.progress = opts.progress;
  return {base_dir, evaluate_kld(score_fn(base), score_fn(m), tokens, po)};
}

}  // namespace slimlm::eval
