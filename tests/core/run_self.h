#pragma once
// Runs one test of this same binary in a child process with an extra
// environment variable: settings read once from the environment (SLIMLM_ISA,
// SLIMLM_LOG_LEVEL, SLIMLM_THREADS) can only be tested in a fresh process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace slimlm::test {

// Whether `this_binary --gtest_filter=<current test>`, run with `assignment`
// ("NAME=value") added to its environment, ran exactly that one test and
// passed (a filter that matched nothing would also exit 0).
inline bool current_test_passes_with_env(const std::string& assignment) {
  char self[4096];
  const ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (len <= 0) return false;
  self[len] = '\0';
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string cmd = "env '" + assignment + "' '" + std::string(self) +
                          "' --gtest_filter='" + info->test_suite_name() + "." + info->name() +
                          "' 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return false;
  std::string out;
  char buf[4096];
  for (size_t n; (n = fread(buf, 1, sizeof(buf), pipe)) > 0;) out.append(buf, n);
  const int status = pclose(pipe);
  const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
                  out.find("[  PASSED  ] 1 test.") != std::string::npos;
  if (!ok) ADD_FAILURE() << "child run with " << assignment << ":\n" << out;
  return ok;
}

}  // namespace slimlm::test
