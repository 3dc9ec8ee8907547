// Two writers on one registry file, in two threads with their own connections
// and in two processes: every write lands (the busy timeout makes them wait
// for each other instead of failing with SQLITE_BUSY).
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include <gtest/gtest.h>

#include "registry_test_util.h"
#include "slimlm/registry/registry.h"
#include "test_util.h"

namespace slimlm::registry {
namespace {

using slimlm::testing::TempDir;
using testing::query_text;
using testing::sample_run;

constexpr int kRunsPerWriter = 40;

// Each run: begin, then finish with metrics; each also adds a trial, so
// trial numbers are handed out under contention.
void write_runs(const std::filesystem::path& db, int writer, int64_t study_id) {
  Registry reg = Registry::open(db);
  for (int i = 0; i < kRunsPerWriter; ++i) {
    const int64_t id = reg.begin_run(sample_run("writer " + std::to_string(writer)));
    reg.finish_run(id, RunStatus::kCompleted,
                   {{"index", static_cast<double>(i), "", {}}, {"writer", static_cast<double>(writer), "", {}}});
    reg.add_trial(testing::trial_of(study_id, std::to_string(writer) + "/" + std::to_string(i)));
  }
}

void expect_all_written(const std::filesystem::path& db, int64_t study_id, int writers) {
  Registry reg = Registry::open(db);
  const auto runs = reg.runs();
  ASSERT_EQ(runs.size(), static_cast<size_t>(writers * kRunsPerWriter));
  for (const auto& r : runs) {
    EXPECT_EQ(r.status, RunStatus::kCompleted);
    EXPECT_EQ(r.metrics.size(), 2u);
  }
  const auto trials = reg.trials(study_id);
  ASSERT_EQ(trials.size(), static_cast<size_t>(writers * kRunsPerWriter));
  for (size_t i = 0; i < trials.size(); ++i) EXPECT_EQ(trials[i].number, static_cast<int64_t>(i));
  EXPECT_EQ(query_text(reg.native_handle(), "PRAGMA integrity_check"), "ok");
}

TEST(Concurrency, TwoConnectionsInTwoThreads) {
  TempDir dir;
  const auto db = dir / "runs.db";
  const int64_t study = Registry::open(db).create_study(testing::study_named("shared")).id;
  std::string errors[2];
  const auto writer = [&](int w) {
    try {
      write_runs(db, w, study);
    } catch (const std::exception& e) {
      errors[w] = e.what();
    }
  };
  std::thread a(writer, 0);
  std::thread b(writer, 1);
  a.join();
  b.join();
  EXPECT_EQ(errors[0], "");
  EXPECT_EQ(errors[1], "");
  expect_all_written(db, study, 2);
}

TEST(Concurrency, TwoProcesses) {
  TempDir dir;
  const auto db = dir / "runs.db";
  const int64_t study = Registry::open(db).create_study(testing::study_named("shared")).id;
  std::vector<pid_t> children;
  for (int w = 0; w < 2; ++w) {
    const pid_t pid = fork();
    if (pid == 0) {
      int code = 0;
      try {
        write_runs(db, w, study);
      } catch (const std::exception& e) {
        fprintf(stderr, "writer %d: %s\n", w, e.what());
        code = 1;
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "writer failed";
  }
  expect_all_written(db, study, 2);
}

TEST(Concurrency, TwoProcessesCreatingOneNewFile) {
  // Both see an empty file and race to apply the first migration: the one
  // that gets the lock second must find it applied and skip it.
  TempDir dir;
  const auto db = dir / "fresh.db";
  std::vector<pid_t> children;
  for (int w = 0; w < 2; ++w) {
    const pid_t pid = fork();
    if (pid == 0) {
      try {
        Registry reg = Registry::open(db);
        reg.begin_run(sample_run());
      } catch (const std::exception& e) {
        fprintf(stderr, "opener %d: %s\n", w, e.what());
        _exit(1);
      }
      _exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  Registry reg = Registry::open(db);
  EXPECT_EQ(reg.schema_version(), current_schema_version());
  EXPECT_EQ(reg.runs().size(), 2u);  // both reaped as killed (their processes ended), none lost
}

}  // namespace
}  // namespace slimlm::registry
