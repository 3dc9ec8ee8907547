// `slimlm optimize CONFIG [--restart] [--trials N] [--sampler S] [--seed N]
// [--no-report] [--dry-run]`: runs the study a config describes
// (search/study_runner.h) — the original and the baselines evaluated, the
// per-layer sensitivity measured when the proxy is on, then the search —
// with one line per trial, prints the Pareto frontier as a table, keeps the
// frontier models under <output>/frontier/ and writes the report to
// <output>/report/. Rerunning the same config resumes the study; a changed
// config is refused unless --restart archives the old study.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "slimlm/cli/command.h"
#include "slimlm/cli/version.h"
#include "slimlm/core/error.h"
#include "slimlm/registry/registry.h"
#include "slimlm/report/load_study.h"
#include "slimlm/report/write_report.h"
#include "slimlm/search/study_config.h"
#include "slimlm/search/study_runner.h"

namespace slimlm::cli {
namespace {

struct OptimizeOptions {
  std::string config;
  bool restart = false;
  std::optional<int64_t> trials;
  std::optional<std::string> sampler;
  std::optional<uint64_t> seed;
  int64_t sensitivity_windows = 4;
  bool no_report = false;
  bool dry_run = false;
};

int run_optimize(const OptimizeOptions& o) {
  const search::StudyConfig config = search::load_study_config(o.config);
  search::RunnerOptions ro;
  ro.restart = o.restart;
  ro.trials = o.trials;
  ro.sampler = o.sampler;
  ro.seed = o.seed;
  ro.sensitivity_windows = o.sensitivity_windows;
  ro.slimlm_version = std::string(kVersionString);

  if (o.dry_run) {
    const search::StudyPlan plan = search::plan_study(config, ro);
    std::printf("%s: study '%s' on %s -> %s (dry run: nothing is written)\n", o.config.c_str(), config.name.c_str(),
                config.model.string().c_str(), config.output.string().c_str());
    std::fputs(plan.text().c_str(), stdout);
    return kExitOk;
  }

  const search::StudyOutcome out = search::run_study(config, ro);
  std::printf("trials: %lld complete, %lld failed, %lld skipped; registry %s\n", static_cast<long long>(out.complete),
              static_cast<long long>(out.failed), static_cast<long long>(out.skipped), out.db.string().c_str());
  if (!o.no_report) {
    const auto reg = registry::Registry::open(out.db, registry::Registry::OpenMode::kExisting);
    const auto data = report::load_study_data(reg, out.name);
    const auto dir = config.output / "report";
    report::write_report(data, dir);
    std::printf("report: %s\n", (dir / "index.html").string().c_str());
  }
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

RunFn setup_optimize(CLI::App& app) {
  auto o = std::make_shared<OptimizeOptions>();
  app.description(
      "Search compression recipes for the Pareto frontier a study config describes (see docs/recipes.md;\n"
      "`slimlm init-config` writes examples). Every run is recorded in <output>/study.db as it happens:\n"
      "rerunning the same config resumes an interrupted study (Ctrl-C is safe), a changed config is\n"
      "refused unless --restart. At the end the frontier is printed, its models are kept under\n"
      "<output>/frontier/ and the report is written to <output>/report/.");
  app.add_option("CONFIG", o->config, "Study config (YAML)")->required();
  app.add_flag("--restart", o->restart,
               "Start over: archive an existing study of the same name as <name>-<timestamp> "
               "(its models move to <output>/archive/)");
  app.add_option("--trials", o->trials, "Full evaluations at most (overrides search.trials)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 30));
  app.add_option("--sampler", o->sampler, "grid, random, nsga2 or tpe (overrides search.sampler)");
  app.add_option("--seed", o->seed, "Sampler seed (overrides search.seed)");
  app.add_option("--sensitivity-windows", o->sensitivity_windows,
                 "Evaluation windows scored per layer and variant when the proxy measures sensitivity")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 20))
      ->capture_default_str();
  app.add_flag("--no-report", o->no_report, "Do not write <output>/report/ at the end");
  app.add_flag("--dry-run", o->dry_run,
               "Validate the config and print the space size, the sensitivity cost and the planned "
               "evaluations; run nothing, write nothing");
  return [o] { return run_optimize(*o); };
}

}  // namespace slimlm::cli
