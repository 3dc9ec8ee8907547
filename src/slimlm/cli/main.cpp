// slimlm: one program that makes large language models small and fast, and
// measures the trade-off. This file owns the global flags and is one of the two
// places that catch exceptions (the other is the search runner).
#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <new>
#include <string>

#include "slimlm/cli/command.h"
#include "slimlm/cli/version.h"
#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/progress.h"
#include "slimlm/core/threads.h"

namespace {

// Error messages are one line: a multi-line what() is folded.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace slimlm;

  CLI::App app{"slimlm: make large language models small and fast, and measure the trade-off"};
  app.name("slimlm");
  app.require_subcommand(1);
  app.fallthrough();  // global flags may also follow the subcommand

  std::string log_level;
  bool quiet = false;
  int threads = 0;
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off (default info)")
      ->envname("SLIMLM_LOG_LEVEL");
  app.add_flag("-q,--quiet", quiet, "Only warnings and errors; no progress bars");
  app.add_option("-t,--threads", threads, "Worker threads (default: all hardware threads)")
      ->check(CLI::NonNegativeNumber);
  app.set_version_flag("--version", std::string(cli::kVersionString));

  std::map<const CLI::App*, cli::RunFn> runs;
  for (const auto& cmd : cli::all_commands()) {
    CLI::App* sub = app.add_subcommand(std::string(cmd.name), std::string(cmd.summary));
    runs[sub] = cmd.setup(*sub);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? cli::kExitOk : cli::kExitUsage;
  }

  try {
    if (!log_level.empty()) {
      auto level = log::level_from_string(log_level);
      if (!level) throw ConfigError("--log-level: unknown level '" + log_level + "'");
      log::set_level(*level);
    }
    if (quiet) {
      if (log::level() < log::Level::kWarn) log::set_level(log::Level::kWarn);
      set_progress_enabled(false);
    }
    if (threads > 0) set_num_threads(threads);

    for (const auto* sub : app.get_subcommands()) {
      return runs.at(sub)();
    }
    return cli::kExitUsage;
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", one_line(e.what()).c_str());
    return cli::kExitUsage;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "error: out of memory\n");
    return cli::kExitFailure;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: internal: %s\n", one_line(e.what()).c_str());
    return cli::kExitFailure;
  }
}
