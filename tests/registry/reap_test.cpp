// Runs and trials whose process died are marked killed / pending, never left
// half-recorded; live owners are left alone.
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <gtest/gtest.h>

#include "registry_test_util.h"
#include "slimlm/registry/registry.h"
#include "test_util.h"

namespace slimlm::registry {
namespace {

using slimlm::testing::TempDir;
using testing::query_text;
using testing::sample_run;

// Runs `body` in a forked child that then leaves with _exit(0) — no
// destructors, no finish_run — like a process killed midway. Returns the
// child's pid after it is reaped (so it is truly gone, not a zombie).
template <typename F>
pid_t in_child_that_dies(F body) {
  const pid_t pid = fork();
  if (pid == 0) {
    try {
      body();
    } catch (...) {
      _exit(3);
    }
    _exit(0);
  }
  int status = 0;
  EXPECT_EQ(waitpid(pid, &status, 0), pid);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failed, status " << status;
  return pid;
}

TEST(Reap, RunOfAKilledChildIsMarkedKilledWithoutMetrics) {
  TempDir dir;
  const auto db = dir / "runs.db";
  Registry reg = Registry::open(db);
  const pid_t child = in_child_that_dies([&] {
    Registry mine = Registry::open(db);
    const int64_t id = mine.begin_run(sample_run("killed midway"));
    // A metric written outside finish_run must not exist; the child dies here.
    (void)id;
  });
  auto runs = reg.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].status, RunStatus::kRunning);
  EXPECT_EQ(runs[0].pid, child);
  EXPECT_NE(runs[0].pid, getpid());

  EXPECT_EQ(reg.reap_interrupted(), 1);
  const auto r = reg.run(runs[0].id);
  EXPECT_EQ(r->status, RunStatus::kKilled);
  EXPECT_TRUE(r->metrics.empty());
  EXPECT_FALSE(r->finished_at.empty());
  EXPECT_NE(r->error.find("interrupted: process " + std::to_string(child)), std::string::npos) << r->error;
  EXPECT_EQ(reg.reap_interrupted(), 0);  // idempotent
}

TEST(Reap, OpenReapsDeadOwnersButNotLiveOnes) {
  TempDir dir;
  const auto db = dir / "runs.db";
  int64_t mine = 0;
  {
    Registry reg = Registry::open(db);
    mine = reg.begin_run(sample_run("this process, still alive"));
  }
  in_child_that_dies([&] { Registry::open(db).begin_run(sample_run("dead child")); });

  // A child that is alive (blocked on a pipe) while we reap.
  int ready[2], release[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(release), 0);
  const pid_t live = fork();
  if (live == 0) {
    Registry::open(db).begin_run(sample_run("live child"));
    char c = 1;
    if (write(ready[1], &c, 1) != 1) _exit(3);
    if (read(release[0], &c, 1) < 0) _exit(3);
    _exit(0);
  }
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);

  Registry reg = Registry::open(db);  // reaps the dead child's run
  const auto runs = reg.runs();
  ASSERT_EQ(runs.size(), 3u);
  EXPECT_EQ(runs[2].id, mine);
  EXPECT_EQ(runs[2].status, RunStatus::kRunning);
  EXPECT_EQ(runs[1].summary, "dead child");
  EXPECT_EQ(runs[1].status, RunStatus::kKilled);
  EXPECT_EQ(runs[0].summary, "live child");
  EXPECT_EQ(runs[0].status, RunStatus::kRunning);
  EXPECT_EQ(reg.reap_interrupted(), 0);

  // Once the live child is gone too, its run is reaped.
  ASSERT_EQ(write(release[1], &c, 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(live, &status, 0), live);
  EXPECT_EQ(reg.reap_interrupted(), 1);
  EXPECT_EQ(reg.run(runs[0].id)->status, RunStatus::kKilled);
  EXPECT_EQ(reg.run(mine)->status, RunStatus::kRunning);
  for (int fd : {ready[0], ready[1], release[0], release[1]}) close(fd);
}

TEST(Reap, RunningTrialOfADeadWorkerGoesBackToPending) {
  TempDir dir;
  const auto db = dir / "runs.db";
  Registry reg = Registry::open(db);
  const StudyRecord s = reg.create_study(testing::study_named("study"));
  const TrialRecord done = reg.add_trial(testing::trial_of(s.id, "a"));
  const TrialRecord t = reg.add_trial(testing::trial_of(s.id, "b"));
  TrialRecord finished = done;
  finished.state = TrialState::kComplete;
  finished.objectives = {1.0};
  reg.update_trial(finished);

  in_child_that_dies([&] {
    Registry worker = Registry::open(db);
    TrialRecord mine = *worker.trial(t.id);
    RunRecord r = sample_run();
    r.study_id = s.id;
    r.trial_number = mine.number;
    mine.state = TrialState::kRunning;
    mine.stage = "full";
    mine.run_id = worker.begin_run(r);
    worker.update_trial(mine);
  });
  ASSERT_EQ(reg.trial(t.id)->state, TrialState::kRunning);
  const int64_t run_id = *reg.trial(t.id)->run_id;

  EXPECT_EQ(reg.reap_interrupted(), 2);  // the run and the trial
  const TrialRecord back = *reg.trial(t.id);
  EXPECT_EQ(back.state, TrialState::kPending);
  EXPECT_FALSE(back.run_id);
  EXPECT_EQ(reg.run(run_id)->status, RunStatus::kKilled);
  EXPECT_EQ(reg.trial(done.id)->state, TrialState::kComplete);
}

TEST(Reap, ResumingAStudyReapsItsRunningRowsWhateverTheOwner) {
  TempDir dir;
  const auto db = dir / "runs.db";
  Registry reg = Registry::open(db);
  const StudyRecord s = reg.create_study(testing::study_named("resumed"));
  const StudyRecord other = reg.create_study(testing::study_named("other"));
  TrialRecord t = reg.add_trial(testing::trial_of(s.id, "k"));
  // Rows owned by another host (so never reaped by pid), as a crashed machine leaves them.
  RunRecord r = sample_run();
  r.study_id = s.id;
  const int64_t in_study = reg.begin_run(r);
  r.study_id = other.id;
  const int64_t elsewhere = reg.begin_run(r);
  t.state = TrialState::kRunning;
  t.run_id = in_study;
  reg.update_trial(t);
  sqlite3* raw = reg.native_handle();
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE runs SET host = 'crashed-box', pid = 1", nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "UPDATE trials SET owner_host = 'crashed-box', owner_pid = 1", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  EXPECT_EQ(reg.reap_interrupted(), 0);  // other hosts' rows: cannot tell, left alone

  EXPECT_EQ(reg.reap_interrupted(s.id), 2);
  EXPECT_EQ(reg.run(in_study)->status, RunStatus::kKilled);
  EXPECT_EQ(reg.trial(t.id)->state, TrialState::kPending);
  EXPECT_EQ(reg.run(elsewhere)->status, RunStatus::kRunning);
  EXPECT_EQ(query_text(raw, "SELECT count(*) FROM runs WHERE status = 'running'"), "1");
}

}  // namespace
}  // namespace slimlm::registry
