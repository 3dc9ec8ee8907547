#pragma once
// A subcommand: one file each (cmd_<name>.cpp), listed once in commands.cpp.
// `setup` declares the subcommand's flags on `app` and returns the function
// that runs it after parsing; that function returns the process exit code.
#include <CLI/CLI.hpp>

#include <functional>
#include <span>
#include <string_view>

namespace slimlm::cli {

using RunFn = std::function<int()>;

struct Command {
  std::string_view name;
  std::string_view summary;
  RunFn (*setup)(CLI::App& app);
};

std::span<const Command> all_commands();

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the work itself failed
inline constexpr int kExitUsage = 2;    // bad input: flags, files, formats

}  // namespace slimlm::cli
