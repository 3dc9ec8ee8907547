// `slimlm runs list|show|diff|export --db FILE`: the experiment registry's
// runs — a table of them (id, created, kind, status, summary, size, KLD,
// perplexity), everything about one, two side by side (recipe differences and
// every metric with delta and ratio), or all of them as CSV / JSON with one
// column per metric (written atomically). A missing registry file or an
// unknown run id exits 2 naming it; reading never creates a registry.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "slimlm/cli/command.h"
#include "slimlm/core/error.h"
#include "slimlm/io/atomic_file.h"
#include "slimlm/registry/registry.h"
#include "slimlm/registry/run_table.h"

namespace slimlm::cli {
namespace {

struct RunsOptions {
  std::string db;
  std::string study;
  std::string status;
  int64_t limit = 0;
  bool json = false;
  std::vector<int64_t> ids;  // show: 1, diff: 2
  std::string output;        // export
};

registry::Registry open_registry(const RunsOptions& o) {
  return registry::Registry::open(o.db, registry::Registry::OpenMode::kExisting);
}

registry::Registry::RunFilter make_filter(const registry::Registry& reg, const RunsOptions& o) {
  registry::Registry::RunFilter f;
  if (!o.study.empty()) {
    const auto s = reg.find_study(o.study);
    if (!s) throw ConfigError(fmt::format("--study '{}': no such study in {}", o.study, o.db));
    f.study_id = s->id;
  }
  if (!o.status.empty()) {
    f.status = registry::run_status_from_string(o.status);
    if (!f.status) {
      throw ConfigError(fmt::format("--status '{}': expected running, completed, failed or killed", o.status));
    }
  }
  f.limit = o.limit;
  return f;
}

registry::RunRecord find_run(const registry::Registry& reg, const RunsOptions& o, int64_t id) {
  auto r = reg.run(id);
  if (!r) throw ConfigError(fmt::format("no run {} in {}", id, o.db));
  return std::move(*r);
}

void print(const std::string& text) { std::fputs(text.c_str(), stdout); }

int run_list(const RunsOptions& o) {
  const auto reg = open_registry(o);
  const auto runs = reg.runs(make_filter(reg, o));
  if (o.json) {
    print(registry::runs_json(runs).dump(2) + "\n");
  } else if (runs.empty()) {
    print(fmt::format("no runs in {}\n", o.db));
  } else {
    print(registry::run_list_table(runs));
  }
  return kExitOk;
}

int run_show(const RunsOptions& o) {
  const auto reg = open_registry(o);
  const auto r = find_run(reg, o, o.ids.at(0));
  print(o.json ? registry::run_to_json(r).dump(2) + "\n" : registry::run_show_text(r));
  return kExitOk;
}

int run_diff(const RunsOptions& o) {
  const auto reg = open_registry(o);
  const auto a = find_run(reg, o, o.ids.at(0));
  const auto b = find_run(reg, o, o.ids.at(1));
  print(registry::run_diff_text(a, b));
  return kExitOk;
}

int run_export(const RunsOptions& o) {
  const std::filesystem::path out(o.output);
  const std::string ext = out.extension().string();
  if (ext != ".csv" && ext != ".json") {
    throw ConfigError(fmt::format("-o {}: the file name must end in .csv or .json", o.output));
  }
  const auto reg = open_registry(o);
  const auto runs = reg.runs(make_filter(reg, o));
  io::write_text_atomic(out, ext == ".csv" ? registry::runs_csv(runs) : registry::runs_json(runs).dump(2) + "\n");
  std::fprintf(stderr, "wrote %zu run(s) to %s\n", runs.size(), out.c_str());
  return kExitOk;
}

void add_db(CLI::App* app, RunsOptions& o) {
  app->add_option("--db", o.db, "Registry file (SQLite)")->required();
}

void add_filters(CLI::App* app, RunsOptions& o) {
  app->add_option("--study", o.study, "Only the runs of this study");
  app->add_option("--status", o.status, "Only runs with this status: running, completed, failed or killed");
  app->add_option("--limit", o.limit, "At most N runs, newest first (0: all)")->check(CLI::NonNegativeNumber);
}

}  // namespace

RunFn setup_runs(CLI::App& app) {
  auto o = std::make_shared<RunsOptions>();
  app.require_subcommand(1);

  CLI::App* list = app.add_subcommand("list", "Table of runs, newest first");
  add_db(list, *o);
  add_filters(list, *o);
  list->add_flag("--json", o->json, "JSON: every field and metric of each run");

  CLI::App* show = app.add_subcommand("show", "Everything about one run: recipe, metrics with units and std errors");
  show->add_option("ID", o->ids, "Run id")->required()->expected(1);
  add_db(show, *o);
  show->add_flag("--json", o->json, "JSON");

  CLI::App* diff = app.add_subcommand("diff", "Two runs side by side: recipe differences, metrics with delta and ratio");
  diff->add_option("IDS", o->ids, "Run ids A B")->required()->expected(2);
  add_db(diff, *o);

  CLI::App* exp = app.add_subcommand("export", "All runs as CSV or JSON, one column per metric");
  add_db(exp, *o);
  add_filters(exp, *o);
  exp->add_option("-o,--output", o->output, "Output file, FILE.csv or FILE.json (written atomically)")->required();

  return [o, list, show, diff, exp]() {
    if (list->parsed()) return run_list(*o);
    if (show->parsed()) return run_show(*o);
    if (diff->parsed()) return run_diff(*o);
    if (exp->parsed()) return run_export(*o);
    return kExitUsage;
  };
}

}  // namespace slimlm::cli
