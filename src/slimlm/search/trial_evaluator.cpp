#include "slimlm/search/trial_evaluator.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/progress.h"
#include "slimlm/eval/corpus.h"
#include "slimlm/eval/energy/carbon_intensity.h"
#include "slimlm/eval/energy/energy_meter.h"
#include "slimlm/eval/kld.h"
#include "slimlm/eval/perplexity.h"
#include "slimlm/eval/suite/model_eval.h"
#include "slimlm/eval/system/memory.h"
#include "slimlm/core/timer.h"
#include "slimlm/model/model.h"
#include "slimlm/registry/hashing.h"
#include "slimlm/registry/registry.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::search {
namespace {

uint64_t fnv1a(std::span<const int32_t> ids) {
  uint64_t h = 0xcbf29ce484222325ULL;
  const auto* p = reinterpret_cast<const unsigned char*>(ids.data());
  for (size_t i = 0; i < ids.size_bytes(); ++i) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

// The original model's logits per window, keyed by the window's token ids
// (so any batching of the same windows hits), within a byte budget.
class LogitsCache {
 public:
  LogitsCache(const model::Model& m, uint64_t budget) : score_(eval::score_fn(m)), budget_(budget) {}

  Tensor score(std::span<const int32_t> ids, int64_t B, int64_t T) {
    std::vector<const Tensor*> hits(static_cast<size_t>(B), nullptr);
    bool all = true;
    for (int64_t b = 0; b < B; ++b) {
      hits[static_cast<size_t>(b)] = find(ids.subspan(static_cast<size_t>(b * T), static_cast<size_t>(T)));
      all = all && hits[static_cast<size_t>(b)];
    }
    if (all && B > 0) {
      const int64_t V = hits[0]->dim(1);
      Tensor out = Tensor::empty(DType::kF32, Shape{B, T, V});
      float* dst = out.mutable_data<float>();
      for (int64_t b = 0; b < B; ++b) {
        std::memcpy(dst + b * T * V, hits[static_cast<size_t>(b)]->data<float>(), static_cast<size_t>(T * V) * sizeof(float));
      }
      return out;
    }
    Tensor full = score_(ids, B, T);
    if (used_ + full.nbytes() <= budget_) {
      const int64_t V = full.dim(2);
      auto owner = std::make_shared<Tensor>(full);
      for (int64_t b = 0; b < B; ++b) {
        if (hits[static_cast<size_t>(b)]) continue;
        const auto window = ids.subspan(static_cast<size_t>(b * T), static_cast<size_t>(T));
        Entry e{std::vector<int32_t>(window.begin(), window.end()),
                Tensor::view(full.data<float>() + b * T * V, DType::kF32, Shape{T, V}, owner)};
        entries_[fnv1a(window)].push_back(std::move(e));
      }
      used_ += full.nbytes();
    }
    return full;
  }

  eval::ScoreFn fn() {
    return [this](std::span<const int32_t> ids, int64_t B, int64_t T) { return score(ids, B, T); };
  }

 private:
  struct Entry {
    std::vector<int32_t> ids;
    Tensor logits;  // [T, V]
  };

  const Tensor* find(std::span<const int32_t> window) const {
    const auto it = entries_.find(fnv1a(window));
    if (it == entries_.end()) return nullptr;
    for (const Entry& e : it->second) {
      if (e.ids.size() == window.size() && std::equal(e.ids.begin(), e.ids.end(), window.begin())) return &e.logits;
    }
    return nullptr;
  }

  eval::ScoreFn score_;
  uint64_t budget_;
  uint64_t used_ = 0;
  std::unordered_map<uint64_t, std::vector<Entry>> entries_;
};

void add_energy(eval::EnergyReport& into, const eval::EnergyReport& more) {
  into.seconds += more.seconds;
  into.cpu_seconds += more.cpu_seconds;
  into.cpu_joules += more.cpu_joules;
  into.dram_joules += more.dram_joules;
  into.gpu_joules += more.gpu_joules;
  if (into.cpu_source == eval::EnergySource::kNone) into.cpu_source = more.cpu_source;
}

// perplexity/* rows from the KLD pass: the same windows and scored tokens
// the perplexity task would use, so the numbers are the task's.
eval::TaskResult perplexity_rows(const eval::KldResult& r, bool of_base) {
  const auto& s = r.stats;
  const double ppl = of_base ? s.ppl_base : s.ppl_model;
  const double unc = of_base ? s.ppl_base_unc : s.ppl_model_unc;
  eval::TaskResult t;
  t.task = "perplexity";
  t.items = r.chunks;
  t.metrics = {eval::Metric{"ppl", ppl, "ppl", unc}, eval::Metric{"mean_nll", std::log(ppl), "nats", std::nullopt},
               eval::Metric{"tokens_scored", static_cast<double>(s.tokens), "tokens", std::nullopt}};
  t.notes.push_back(fmt::format("{} protocol, ctx {}, {} of {} windows", eval::to_string(r.protocol), r.ctx, r.chunks,
                                r.chunks_total));
  return t;
}

}  // namespace

struct TrialEvaluator::State {
  StudyConfig config;
  std::filesystem::path dir;
  std::unique_ptr<model::Model> base;
  std::optional<tokenizer::Tokenizer> tok;
  std::vector<int32_t> tokens;
  eval::PplProtocol protocol = eval::PplProtocol::kLlamaCpp;
  int32_t bos = -1;
  int64_t windows = 0;
  eval::SuiteOptions suite;
  std::unique_ptr<LogitsCache> cache;
  uint64_t process_rss = 0;  // before the original was loaded

  eval::PerplexityOptions ppl_options(int64_t limit, bool progress) const {
    eval::PerplexityOptions po;
    po.protocol = protocol;
    po.ctx = config.evaluation.ctx;
    po.limit_chunks = limit;
    po.batch = eval::default_batch(po.ctx, base->vocab_size());
    po.bos = bos;
    po.progress = progress && progress_enabled();
    return po;
  }

  // KLD of `m` over the evaluation windows, metered for energy.
  eval::KldResult kld(const eval::ScoreFn& model, int64_t limit, bool progress, eval::EnergyReport* energy) {
    eval::EnergyMeter meter(suite.energy);
    meter.start();
    eval::KldResult r = eval::evaluate_kld(cache->fn(), model, tokens, ppl_options(limit, progress));
    const eval::EnergyReport e = meter.stop();
    if (energy) add_energy(*energy, e);
    return r;
  }

  // Adds the KLD pass to an evaluation and recomputes what depends on energy.
  void fold_in(eval::ModelEvaluation& ev, const eval::KldResult& r, bool of_base) {
    ev.tasks.insert(ev.tasks.begin(), perplexity_rows(r, of_base));
    ev.kld = eval::KldComparison{dir.string(), r};
    ev.tokens += static_cast<uint64_t>(r.chunks * r.ctx);
    ev.seconds += r.seconds;
    ev.co2 = eval::emissions(ev.energy.total_joules(), ev.carbon);
  }
};

TrialEvaluator::TrialEvaluator(const StudyConfig& config, uint64_t cache_budget_bytes) : s_(std::make_unique<State>()) {
  s_->config = config;
  s_->dir = config.model;
  s_->process_rss = eval::current_rss_bytes();
  s_->base = model::Model::load(config.model);
  s_->tok.emplace(tokenizer::Tokenizer::from_file(config.model));
  s_->cache = std::make_unique<LogitsCache>(*s_->base, cache_budget_bytes);

  const EvaluationConfig& e = config.evaluation;
  eval::SuiteOptions& so = s_->suite;
  int shots = -1;
  for (const TaskConfig& t : e.tasks) {
    so.tasks.push_back(t.name);
    if (!t.data.empty()) so.task_data[t.name] = t.data;
    so.task_limit[t.name] = t.limit;
    if (t.shots >= 0) {
      if (shots >= 0 && shots != t.shots) {
        log::warn("evaluation.tasks: one shot count per study; {} shots for every task", shots);
      } else {
        shots = t.shots;
      }
    }
  }
  so.task.shots = shots;
  so.task.ctx = e.ctx;
  so.task.progress = false;
  so.speed = e.speed.enabled;
  so.pp_tokens = e.speed.prefill;
  so.tg_tokens = e.speed.decode;
  so.speed_repetitions = e.speed.repetitions;
  so.carbon = eval::resolve_carbon_intensity(e.carbon.grams_per_kwh, e.carbon.region);

  if (!e.text.empty()) {
    if (s_->base->config().bos_token_id) s_->bos = static_cast<int32_t>(*s_->base->config().bos_token_id);
    else if (const auto b = s_->tok->bos_id()) s_->bos = *b;
    std::optional<int32_t> bos;
    if (s_->bos >= 0) bos = s_->bos;
    s_->tokens = eval::encode_for_protocol(*s_->tok, eval::read_text_file(e.text), s_->protocol, bos);
    // Fails here, naming the text, when it is shorter than one window.
    const eval::WindowPlan plan =
        eval::plan_windows(s_->protocol, static_cast<int64_t>(s_->tokens.size()), e.ctx, e.windows);
    s_->windows = plan.windows;
  }
}

TrialEvaluator::~TrialEvaluator() = default;

model::Model& TrialEvaluator::original() { return *s_->base; }
const std::filesystem::path& TrialEvaluator::original_dir() const { return s_->dir; }
const io::ModelConfig& TrialEvaluator::original_config() const { return s_->base->config(); }
bool TrialEvaluator::has_text() const { return !s_->tokens.empty(); }
int64_t TrialEvaluator::windows() const { return s_->windows; }

std::vector<eval::Metric> TrialEvaluator::evaluate_original() {
  eval::reset_peak_rss();
  eval::ModelEvaluation ev = eval::evaluate_model(*s_->base, *s_->tok, s_->dir, s_->suite);
  if (has_text()) {
    // The original against itself: fills the cache and gives its perplexity.
    const eval::KldResult r = s_->kld(s_->cache->fn(), s_->config.evaluation.windows, true, &ev.energy);
    s_->fold_in(ev, r, true);
  }
  return ev.metrics();
}

std::vector<eval::Metric> TrialEvaluator::evaluate(const std::filesystem::path& model_dir) {
  eval::reset_peak_rss();
  const uint64_t rss0 = eval::current_rss_bytes();
  const auto m = model::Model::load(model_dir);
  const auto tok = tokenizer::Tokenizer::from_file(model_dir);
  eval::ModelEvaluation ev = eval::evaluate_model(*m, tok, model_dir, s_->suite);
  if (has_text()) {
    if (m->vocab_size() != s_->base->vocab_size()) {
      throw ConfigError(fmt::format("{}: vocabulary of {} tokens, the original {} has {}", model_dir.string(),
                                    m->vocab_size(), s_->dir.string(), s_->base->vocab_size()));
    }
    const eval::KldResult r = s_->kld(eval::score_fn(*m), s_->config.evaluation.windows, false, &ev.energy);
    s_->fold_in(ev, r, false);
    ev.kld->base = s_->dir.string();
  }
  const uint64_t peak = eval::peak_rss_bytes();
  ev.peak_rss = peak > rss0 ? peak - rss0 + s_->process_rss : s_->process_rss;
  return ev.metrics();
}

double TrialEvaluator::kld_mean(const model::Model& m, int64_t windows) {
  if (!has_text()) throw ConfigError("the sensitivity measurement needs evaluation.text");
  const int64_t limit = s_->windows > 0 ? std::min(windows, s_->windows) : windows;
  return s_->kld(eval::score_fn(m), limit, false, nullptr).stats.kld_mean;
}

TrialReport TrialEvaluator::run_trial(registry::TrialRecord& t, const TrialJob& job, const TrialContext& ctx) {
  namespace fs = std::filesystem;
  const StudyConfig& c = s_->config;
  TrialReport report;
  std::string problem = job.problem;
  if (problem.empty()) {
    try {
      report.summary = compress::pipeline_summary(job.steps);
    } catch (const ConfigError& e) {
      problem = e.what();
    }
  }
  if (report.summary.empty()) report.summary = t.params_json;
  registry::RunRecord r;
  r.kind = job.kind;
  r.recipe_json = problem.empty() ? compress::pipeline_to_json(job.steps).dump() : t.params_json;
  r.summary = report.summary;
  r.base_model = c.model.string();
  r.base_model_hash = ctx.base_model_hash;
  r.hardware = ctx.hardware;
  r.slimlm_version = ctx.slimlm_version;
  r.study_id = ctx.study_id;
  r.trial_number = t.number;
  const int64_t run_id = ctx.registry->begin_run(r);
  t.state = registry::TrialState::kRunning;
  t.run_id = run_id;
  ctx.registry->update_trial(t);
  report.state = t.state;
  if (job.stop_before_work) return report;

  const Timer timer;
  double compress_s = 0;
  try {
    if (!problem.empty()) throw ConfigError(problem);
    compress::validate_pipeline(job.steps, s_->base->config());
    if (ctx.before_trial) ctx.before_trial(t.number, report.summary);
    fs::remove_all(job.folder);
    fs::create_directories(job.folder.parent_path());
    compress::run_pipeline(c.model, job.folder, job.steps, pipeline_options(c));
    compress_s = timer.seconds();
    const std::vector<eval::Metric> metrics = evaluate(job.folder);
    std::vector<registry::MetricRecord> records;
    MetricValues values;
    for (const auto& m : metrics) {
      records.push_back({m.name, m.value, m.unit, m.std_error});
      values[m.name] = m.value;
    }
    const auto checks = check_constraints(c.constraints, c.evaluation.speed, values, ctx.original);
    ctx.registry->finish_run(run_id, registry::RunStatus::kCompleted, records, "", compress_s,
                             timer.seconds() - compress_s, ctx.keep_artifact ? job.folder.string() : "",
                             registry::sha256_model_folder(job.folder));
    t.state = registry::TrialState::kComplete;
    t.objectives.clear();
    for (const auto& o : c.objectives) t.objectives.push_back(metric_value(values, o.metric).value_or(std::nan("")));
    t.violation = total_violation(checks);
    t.error.clear();
    report.note = describe_violations(checks);
  } catch (const std::exception& e) {
    ctx.registry->finish_run(run_id, registry::RunStatus::kFailed, {}, e.what(), compress_s,
                             timer.seconds() - compress_s);
    t.state = registry::TrialState::kFailed;
    t.error = e.what();
    report.note = e.what();
    std::error_code ec;
    fs::remove_all(job.folder, ec);
  }
  ctx.registry->update_trial(t);
  report.state = t.state;
  report.seconds = timer.seconds();
  return report;
}

}  // namespace slimlm::search
