#pragma once
// Running the real `slimlm` binary from tests, and finding shared data.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "test_util.h"

namespace slimlm::testing {

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Runs `binary args...` with stdout and stderr captured separately.
inline RunResult run_binary(const std::string& binary, const std::vector<std::string>& args,
                            const TempDir& scratch) {
  const auto out = scratch / "stdout.txt";
  const auto err = scratch / "stderr.txt";
  std::string cmd = shell_quote(binary);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " >" + shell_quote(out.string()) + " 2>" + shell_quote(err.string());
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

// $SLIMLM_DATA (relative paths are taken from the repository root), or
// nullopt when unset.
inline std::optional<std::filesystem::path> shared_data_dir() {
  const char* env = std::getenv("SLIMLM_DATA");
  if (!env || !*env) return std::nullopt;
  std::filesystem::path p(env);
  if (p.is_relative() && !std::filesystem::exists(p)) p = std::filesystem::path(SLIMLM_SOURCE_DIR) / p;
  return p;
}

}  // namespace slimlm::testing
