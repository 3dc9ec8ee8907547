// `slimlm report --db FILE -o DIR [--study NAME] [--format html,md,csv,json]`:
// a study of the experiment registry as a self-contained HTML page
// (index.html), Markdown (report.md), CSV (trials.csv) and JSON (study.json),
// written atomically into DIR; prints the paths written. Without --study, the
// most recent study. A missing registry, an unknown study (the known ones are
// listed) or a study without trials exits 2; reading never creates a registry.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

#include "slimlm/cli/command.h"
#include "slimlm/core/error.h"
#include "slimlm/registry/registry.h"
#include "slimlm/report/load_study.h"
#include "slimlm/report/write_report.h"

namespace slimlm::cli {
namespace {

struct ReportOptions {
  std::string db;
  std::string output;
  std::string study;
  std::string formats = "html,md,csv,json";
};

int run_report(const ReportOptions& o) {
  // Flags first: a bad --format must not wait for the database.
  const auto formats = report::parse_report_formats(o.formats, "--format");
  const auto reg = registry::Registry::open(o.db, registry::Registry::OpenMode::kExisting);
  const auto study = report::load_study_data(reg, o.study);
  if (study.trials.empty()) {
    throw ConfigError(fmt::format("study '{}' in {} has no trials yet: nothing to report", study.name, o.db));
  }
  for (const auto& path : report::write_report(study, o.output, formats)) std::printf("%s\n", path.c_str());
  return kExitOk;
}

}  // namespace

RunFn setup_report(CLI::App& app) {
  auto o = std::make_shared<ReportOptions>();
  app.add_option("--db", o->db, "Registry file (SQLite) written by slimlm optimize")->required();
  app.add_option("-o,--output", o->output, "Folder for the report files (created if needed)")->required();
  app.add_option("--study", o->study, "Study name (default: the most recent study)");
  app.add_option("--format", o->formats, "Comma-separated: html, md, csv, json (default: all)");
  return [o] { return run_report(*o); };
}

}  // namespace slimlm::cli
