#include "slimlm/search/study_runner.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "slimlm/compress/pipeline_step.h"
#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/progress.h"
#include "slimlm/core/timer.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/registry/fingerprint.h"
#include "slimlm/registry/hashing.h"
#include "slimlm/registry/registry.h"
#include "slimlm/search/constraints.h"
#include "slimlm/search/proxy.h"
#include "slimlm/search/recipe_space.h"
#include "slimlm/search/sampler.h"
#include "slimlm/search/sensitivity.h"
#include "slimlm/search/study_run.h"
#include "slimlm/search/trial_evaluator.h"

namespace slimlm::search::detail {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using registry::TrialRecord;
using registry::TrialState;

std::string read_config_text(const StudyConfig& c) {
  std::ifstream in(c.source, std::ios::binary);
  if (!in) throw IoError(fmt::format("cannot read the study config {}", c.source.string()));
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string utc_stamp() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::vector<registry::MetricRecord> to_records(const std::vector<eval::Metric>& metrics) {
  std::vector<registry::MetricRecord> out;
  for (const auto& m : metrics) out.push_back({m.name, m.value, m.unit, m.std_error});
  return out;
}

std::string objectives_json(std::span<const Objective> objectives) {
  Json j = Json::array();
  for (const auto& o : objectives) j.push_back({{"metric", o.metric}, {"direction", std::string(to_string(o.direction))}});
  return j.dump();
}

}  // namespace

std::string recipe_key(const std::vector<compress::PipelineStep>& steps) {
  // The parsed steps with only what their method reads: a recipe that spells
  // a default out, or sets a key its method ignores (act_order for rtn),
  // compresses the same way and gets the same key.
  std::string key;
  for (const compress::StepSpec& s : compress::parse_pipeline(steps)) {
    if (s.noop) continue;
    key += (key.empty() ? "" : " | ") + compress::step_summary(s);
    if (s.op == "quantize") {
      const auto& q = s.quantize();
      key += fmt::format(" skip={} lm_head={}", fmt::join(q.skip, ","), q.lm_head);
      if (q.method == "rtn" || q.method == "gptq") key += fmt::format(" clip={}", q.clip);
      if (q.method == "gptq") key += fmt::format(" act_order={} static={} damp={}", q.act_order, q.static_groups, q.damp);
      if (q.method == "smoothquant") key += fmt::format(" alpha={}", q.alpha ? fmt::format("{}", *q.alpha) : "search");
    } else if (s.op == "prune") {
      const auto& o = s.prune().options;
      if (o.method == compress::PruneMethod::kMagnitude) key += fmt::format(" scope={}", static_cast<int>(o.magnitude_scope));
      if (o.method == compress::PruneMethod::kSparseGpt) key += fmt::format(" block={} damp={}", o.block_size, o.damp);
      if (o.owl) key += fmt::format(" owl={},{}", o.owl_options.lambda, o.owl_options.m);
    } else {
      const auto& st = s.structured();
      key += fmt::format(" importance={} unit={}", st.importance, static_cast<int>(st.options.head_unit));
    }
  }
  return key;
}

MetricValues values_of(const std::vector<registry::MetricRecord>& metrics) {
  MetricValues v;
  for (const auto& m : metrics) v[m.name] = m.value;
  return v;
}

std::vector<std::string> sensitivity_variants(const SearchConfig& s) {
  std::vector<std::string> v = s.proxy.sensitivity;
  const bool structure = std::any_of(s.space.begin(), s.space.end(), [](const SpaceEntry& e) {
    return e.op == "drop_layers" || e.op == "prune_heads" || e.op == "prune_channels";
  });
  if (structure && std::find(v.begin(), v.end(), "drop") == v.end()) v.push_back("drop");
  return v;
}

StudyRun::StudyRun(const StudyConfig& c, const RunnerOptions& o) : c_(c), o_(o) {
  if (!o_.print) {
    o_.print = [](std::string_view line) {
      std::fwrite(line.data(), 1, line.size(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    };
  }
  if (c_.search) {
    search_ = *c_.search;
    if (o_.trials) search_.trials = *o_.trials;
    if (o_.sampler) search_.sampler = *o_.sampler;
    if (o_.seed) search_.seed = *o_.seed;
  }
}

StudyOutcome StudyRun::run() {
  open_study();
  evaluator_.emplace(c_);
  model_ = evaluator_->original_config();
  base_hash_ = registry::sha256_model_folder(c_.model);
  hardware_ = registry::hardware_fingerprint_json();
  if (c_.search) {
    space_ = build_search_space(c_, model_);
    sampler_ = make_sampler(search_.sampler);
  }
  evaluate_original();
  trial_context_.registry = &*reg_;
  trial_context_.study_id = study_.id;
  trial_context_.base_model_hash = base_hash_;
  trial_context_.hardware = hardware_;
  trial_context_.slimlm_version = o_.slimlm_version;
  trial_context_.original = original_;
  trial_context_.keep_artifact = !c_.search || search_.keep_models != KeepModels::kNone;
  trial_context_.before_trial = o_.before_trial;
  if (c_.search && search_.proxy.enabled) prepare_proxy();
  run_baselines();
  if (!stopped_) run_search();
  StudyOutcome out;
  out.name = study_.name;
  out.study_id = study_.id;
  out.db = db_path_;
  out.output = c_.output;
  out.resumed = resumed_;
  out.stopped = stopped_;
  out.evaluated = evaluated_;
  if (!stopped_) finish(out);
  for (const auto& t : reg_->trials(study_.id)) {
    if (t.state == TrialState::kComplete) ++out.complete;
    if (t.state == TrialState::kFailed) ++out.failed;
    if (t.state == TrialState::kSkipped) ++out.skipped;
  }
  return out;
}

// The YAML re-emitted from its parse: comments dropped, layout normalised,
// keys kept in their order.
static std::string canonical_yaml(const std::string& text) {
  YAML::Emitter out;
  out << YAML::Load(text);
  return out.c_str();
}

void StudyRun::open_study() {
  fs::create_directories(c_.output);
  db_path_ = c_.output / "study.db";
  reg_.emplace(registry::Registry::open(db_path_));
  std::string yaml = read_config_text(c_);
  // Overrides change what the study proposes, so they are part of its identity.
  std::string overrides;
  if (o_.sampler || o_.seed) {
    overrides = fmt::format("slimlm optimize{}{}", o_.sampler ? " --sampler " + *o_.sampler : "",
                            o_.seed ? fmt::format(" --seed {}", *o_.seed) : "");
    yaml += "\n# " + overrides + "\n";
  }
  // The identity is the config's content, not its text: comments and layout
  // may change without orphaning a study (a new checkout's example configs).
  const std::string hash = registry::sha256_text(canonical_yaml(yaml) + "\n" + overrides);
  if (auto existing = reg_->find_study(c_.name)) {
    if (o_.restart) {
      const std::string archived = fmt::format("{}-{}", c_.name, utc_stamp());
      reg_->rename_study(existing->id, archived);
      const fs::path archive = c_.output / "archive" / archived;
      for (const char* sub : {"trials", "frontier"}) {
        if (fs::exists(c_.output / sub)) {
          fs::create_directories(archive);
          fs::rename(c_.output / sub, archive / sub);
        }
      }
      o_.print(fmt::format("study '{}': the previous study is archived as '{}' (models in {})", c_.name, archived,
                           archive.string()));
    } else if (existing->config_hash != hash) {
      throw ConfigError(fmt::format(
          "{}: study '{}' in {} was run with a different config; change `name` in the config to start a new "
          "study, or pass --restart to archive the old one",
          c_.source.string(), c_.name, db_path_.string()));
    } else {
      // Another live process on this host running the study owns its runs.
      registry::Registry::RunFilter f;
      f.study_id = existing->id;
      f.status = registry::RunStatus::kRunning;
      char host[256] = {};
      gethostname(host, sizeof(host) - 1);
      for (const auto& r : reg_->runs(f)) {
        if (r.pid != getpid() && r.host == host && kill(static_cast<pid_t>(r.pid), 0) == 0) {
          throw ConfigError(fmt::format("study '{}' in {} is being run by process {}; wait for it or stop it",
                                        c_.name, db_path_.string(), r.pid));
        }
      }
      reg_->reap_interrupted(existing->id);
      // The registry never reaps its own process's runs; one left 'running'
      // by an earlier run_study of this process (stopped as by a kill) is
      // abandoned all the same.
      for (const auto& r : reg_->runs(f)) {
        if (r.pid == getpid() && r.host == host) {
          reg_->finish_run(r.id, registry::RunStatus::kKilled, {}, "interrupted; the study was resumed");
        }
      }
      study_ = *existing;
      resumed_ = true;
      reg_->set_study_status(study_.id, "running");
      o_.print(fmt::format("study '{}': resuming ({} trials recorded)", c_.name, reg_->trials(study_.id).size()));
    }
  }
  if (!resumed_) {
    registry::StudyRecord s;
    s.name = c_.name;
    s.config_yaml = yaml;
    s.config_hash = hash;
    s.sampler = c_.search ? search_.sampler : "none";
    s.objectives_json = objectives_json(c_.objectives);
    study_ = reg_->create_study(s);
  }
  // Half-written folders of a killed run.
  if (fs::is_directory(c_.output / "trials")) {
    for (const auto& e : fs::directory_iterator(c_.output / "trials")) {
      if (e.path().filename().string().starts_with(".")) fs::remove_all(e.path());
    }
  }
}

void StudyRun::evaluate_original() {
  if (const auto id = reg_->blob(study_.id, "original_run")) {
    if (const auto r = reg_->run(std::stoll(*id)); r && r->status == registry::RunStatus::kCompleted) {
      original_ = values_of(r->metrics);
      return;
    }
  }
  registry::RunRecord r;
  r.kind = "baseline";
  r.recipe_json = "[]";
  r.summary = "original";
  r.base_model = c_.model.string();
  r.base_model_hash = base_hash_;
  r.artifact_path = c_.model.string();
  r.hardware = hardware_;
  r.slimlm_version = o_.slimlm_version;
  r.study_id = study_.id;
  const int64_t id = reg_->begin_run(r);
  o_.print(fmt::format("original {}: evaluating", c_.model.string()));
  const Timer t;
  std::vector<eval::Metric> metrics;
  try {
    metrics = evaluator_->evaluate_original();
  } catch (const std::exception& e) {
    reg_->finish_run(id, registry::RunStatus::kFailed, {}, e.what(), 0, t.seconds());
    throw;
  }
  reg_->finish_run(id, registry::RunStatus::kCompleted, to_records(metrics), "", 0, t.seconds(), c_.model.string(), base_hash_);
  reg_->put_blob(study_.id, "original_run", std::to_string(id));
  original_ = values_of(to_records(metrics));
}

void StudyRun::prepare_proxy() {
  if (!evaluator_->has_text()) {
    throw ConfigError(fmt::format("{}: search.proxy needs evaluation.text (the sensitivity is a KL divergence)",
                                  c_.source.string()));
  }
  const std::vector<std::string> names = sensitivity_variants(search_);
  auto table = SensitivityTable::from_records(reg_->sensitivity(study_.id), names, model_.num_hidden_layers);
  if (!table) {
    std::vector<SensitivityVariant> variants;
    for (const auto& n : names) variants.push_back(parse_sensitivity_variant(n));
    SensitivityOptions so;
    so.windows = std::max<int64_t>(1, o_.sensitivity_windows);
    so.scratch = c_.output / "sensitivity";
    so.pipeline = pipeline_options(c_);
    o_.print(fmt::format("sensitivity: {} variants x {} layers on {} windows", names.size(), model_.num_hidden_layers,
                         so.windows));
    fs::remove_all(so.scratch);  // what a killed measurement left
    table = measure_sensitivity(*evaluator_, variants, so);
    reg_->put_sensitivity(table->to_records(study_.id));
    fs::remove_all(so.scratch);
  }
  proxy_.emplace(std::move(*table), model_, read_checkpoint_tensors(c_.model), original_);
}

void StudyRun::run_baselines() {
  std::vector<std::pair<std::string, std::vector<compress::PipelineStep>>> fixed;
  for (const auto& b : c_.baselines) fixed.emplace_back(b.name, b.pipeline);
  if (!c_.search && !c_.pipeline.empty()) fixed.emplace_back("", c_.pipeline);
  for (const auto& [name, steps] : fixed) {
    Json params = Json::object();
    std::string key;
    std::optional<Candidate> cand;
    if (c_.search) cand = pipeline_candidate(c_, space_, steps);
    if (cand) {
      params = space_.to_json(*cand);
      key = space_.key(*cand);
    } else {
      key = name.empty() ? "pipeline" : "baseline:" + name;
    }
    if (name.empty()) params["pipeline"] = compress::pipeline_summary(steps);
    else params["baseline"] = name;
    auto t = reg_->find_trial(study_.id, key);
    if (!t) {
      TrialRecord r;
      r.study_id = study_.id;
      r.generation = name.empty() ? 0 : -1;
      r.params_json = params.dump();
      r.params_key = key;
      r.stage = "full";
      t = reg_->add_trial(r);
    }
    if (t->state == TrialState::kPending || t->state == TrialState::kRunning) {
      if (!evaluate(*t, name.empty() ? "trial" : "baseline")) return;
    }
  }
}

bool StudyRun::evaluate(TrialRecord t, const char* kind) {
  TrialJob job;
  job.kind = kind;
  try {
    job.steps = steps_of(t);
  } catch (const ConfigError& e) {
    job.problem = e.what();
  }
  std::string summary = t.params_json;
  if (job.problem.empty()) summary = compress::pipeline_summary(job.steps);
  job.folder = c_.output / "trials" / trial_folder_name(t.number, summary);
  job.stop_before_work = o_.stop_after_trials && evaluated_ >= *o_.stop_after_trials;
  if (proxy_ && t.proxy_objectives.empty() && job.problem.empty()) {
    t.proxy_objectives = proxy_->objectives(proxy_->predict(job.steps), c_.objectives);
  }
  const TrialReport rep = evaluator_->run_trial(t, job, trial_context_);
  if (job.stop_before_work) {
    stopped_ = true;  // as if killed here: the run stays 'running'
    return false;
  }
  std::string line;
  if (rep.state == TrialState::kComplete) {
    for (size_t i = 0; i < c_.objectives.size(); ++i) {
      const double v = t.objectives[i];
      line += fmt::format("  {} {}", c_.objectives[i].metric,
                          c_.objectives[i].metric == "model/file_bytes" ? human_bytes(v) : fmt::format("{:.4g}", v));
    }
    if (t.violation > 0) line += "  infeasible: " + rep.note;
  } else {
    line = "  failed: " + rep.note;
  }
  ++evaluated_;
  eval_seconds_ += rep.seconds;
  std::string progress;
  if (c_.search && t.generation >= 0) {
    const int64_t done = full_evaluations();
    const double left = eval_seconds_ / static_cast<double>(evaluated_) * static_cast<double>(std::max<int64_t>(0, search_.trials - done));
    progress = fmt::format("  [{}/{}, {:.1f} s, elapsed {}, ETA {}]", done, search_.trials, rep.seconds,
                           format_duration(clock_.seconds()), format_duration(left));
  } else {
    progress = fmt::format("  [{:.1f} s]", rep.seconds);
  }
  o_.print(fmt::format("{} {:>3} {}{}{}", kind, t.number, rep.summary, line, progress));
  return true;
}

void StudyRun::finish(StudyOutcome& out) {
  const auto trials = reg_->trials(study_.id);
  std::vector<std::pair<int64_t, std::string>> names;
  for (size_t i : frontier_indices(trials, c_.objectives)) {
    const TrialRecord& t = trials[i];
    FrontierRow row;
    row.trial = t.number;
    if (t.run_id) {
      if (const auto r = reg_->run(*t.run_id)) {
        row.summary = r->summary;
        row.metrics = values_of(r->metrics);
      }
    }
    names.emplace_back(t.number, trial_folder_name(t.number, row.summary));
    out.frontier.push_back(std::move(row));
  }
  const auto folders = keep_models(c_.output, c_.search ? search_.keep_models : KeepModels::kAll, names);
  for (auto& row : out.frontier) {
    const fs::path f = c_.output / "frontier" / trial_folder_name(row.trial, row.summary);
    if (std::find(folders.begin(), folders.end(), f) != folders.end()) row.folder = f;
  }
  out.frontier_table = frontier_table(out.frontier, c_.objectives, fmt::format("speed/tg{}", c_.evaluation.speed.decode));
  o_.print(fmt::format("\nPareto frontier of study '{}' ({} point{}):", study_.name, out.frontier.size(),
                       out.frontier.size() == 1 ? "" : "s"));
  o_.print(out.frontier_table);
  if (!folders.empty()) o_.print(fmt::format("frontier models: {}", (c_.output / "frontier").string()));

  if (proxy_) {
    out.proxy_rho = proxy_rank_correlation(trials, c_.objectives);
    Json j = Json::object();
    for (const auto& [metric, rho] : out.proxy_rho) {
      j[metric] = std::isnan(rho) ? Json(nullptr) : Json(rho);
      o_.print(fmt::format("proxy vs full evaluation, Spearman rho on {}: {}", metric,
                           std::isnan(rho) ? std::string("undefined (too few or constant values)") : fmt::format("{:.3f}", rho)));
    }
    reg_->put_blob(study_.id, "proxy_spearman", j.dump());
  }
  reg_->set_study_status(study_.id, "completed");
}

}  // namespace slimlm::search::detail

namespace slimlm::search {

StudyOutcome run_study(const StudyConfig& config, const RunnerOptions& options) {
  detail::StudyRun run(config, options);
  return run.run();
}

StudyPlan plan_study(const StudyConfig& c, const RunnerOptions& o) {
  StudyPlan p;
  const io::ModelConfig model = io::load_hf_config(c.model / "config.json");
  p.layers = model.num_hidden_layers;
  p.baselines = static_cast<int64_t>(c.baselines.size());
  p.resume_possible = std::filesystem::exists(c.output / "study.db");
  p.sensitivity_windows = std::max<int64_t>(1, o.sensitivity_windows);
  p.windows = c.evaluation.text.empty() ? 0 : c.evaluation.windows;
  if (!c.search) {
    p.full_trials = c.pipeline.empty() ? 0 : 1;
    return p;
  }
  SearchConfig s = *c.search;
  if (o.trials) s.trials = *o.trials;
  if (o.sampler) s.sampler = *o.sampler;
  if (o.seed) s.seed = *o.seed;
  make_sampler(s.sampler);  // rejects an unknown --sampler here
  const SearchSpace space = build_search_space(c, model);
  p.sampler = s.sampler;
  p.seed = s.seed;
  p.parameters = space.size();
  p.space_size = space.grid_size();
  p.full_trials = s.trials;
  p.population = s.population;
  p.generations = (s.trials + s.population - 1) / s.population;
  if (s.proxy.enabled) {
    p.proxy_candidates = std::max<int64_t>(s.population, s.proxy.candidates);
    p.sensitivity_variants = detail::sensitivity_variants(s);
    for (const auto& v : p.sensitivity_variants) {
      if (parse_sensitivity_variant(v).kind != SensitivityVariant::Kind::kDrop) ++p.sensitivity_compressions;
    }
    p.sensitivity_cells = static_cast<int64_t>(p.sensitivity_variants.size()) * p.layers;
  }
  return p;
}

std::string StudyPlan::text() const {
  std::string t;
  if (sampler.empty()) {
    t += fmt::format("no search: the original, {} baseline(s) and {} fixed pipeline(s) are evaluated\n", baselines,
                     full_trials);
  } else {
    t += fmt::format("search: sampler {} (seed {}), {} parameters, {}\n", sampler, seed, parameters,
                     space_size ? fmt::format("{} grid points", space_size) : std::string("continuous"));
    t += fmt::format("full evaluations: the original, {} baseline(s), up to {} trials in >= {} generation(s) of {}\n",
                     baselines, full_trials, generations, population);
    if (proxy_candidates > 0) {
      t += fmt::format("proxy: {} candidates ranked per generation; sensitivity of {} variant(s) ({}) x {} layers = "
                       "{} scored passes over {} window(s) each, {} whole-model compression(s)\n",
                       proxy_candidates, sensitivity_variants.size(), fmt::join(sensitivity_variants, ", "), layers,
                       sensitivity_cells, sensitivity_windows, sensitivity_compressions);
    } else {
      t += "proxy: off (every proposed candidate gets a full evaluation)\n";
    }
  }
  t += fmt::format("each full evaluation: compression, {} KLD/perplexity window(s), the configured tasks and speed\n",
                   windows);
  if (resume_possible) t += "study.db exists: a study of the same name and config resumes\n";
  return t;
}

}  // namespace slimlm::search
