#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "slimlm/core/log.h"
#include "slimlm/core/progress.h"

namespace slimlm {
namespace {

ProgressSnapshot snap(std::string_view label, uint64_t done, uint64_t total, std::string_view unit,
                      double elapsed, bool final_line = false) {
  ProgressSnapshot s;
  s.label = label;
  s.done = done;
  s.total = total;
  s.unit = unit;
  s.elapsed_s = elapsed;
  s.final_line = final_line;
  return s;
}

TEST(ProgressFormat, TerminalLine) {
  EXPECT_EQ(format_progress_line(snap("load", 420, 1000, "it", 10), 20),
            "load  42% [========>           ] 420/1000 it  42.0 it/s  ETA 14s");
  EXPECT_EQ(format_progress_line(snap("load", 0, 1000, "it", 0), 20),
            "load   0% [>                   ] 0/1000 it  -- it/s  ETA --:--");
  EXPECT_EQ(format_progress_line(snap("load", 1000, 1000, "it", 125, true), 20),
            "load 100% [====================] 1000/1000 it  8.00 it/s  in 2:05");
  // More than the total is shown as 100 %, not past the bar.
  EXPECT_EQ(format_progress_line(snap("x", 12, 10, "it", 1), 10),
            "x 100% [==========] 12/10 it  12.0 it/s  ETA 0s");
}

TEST(ProgressFormat, PlainLine) {
  EXPECT_EQ(format_progress_line(snap("load", 420, 1000, "it", 10), 0),
            "load: 42% (420/1000 it, 42.0 it/s, ETA 14s)");
  EXPECT_EQ(format_progress_line(snap("write", 3ull << 29, 4ull << 30, "B", 3), 0),
            "write: 37% (1.5 GiB/4.0 GiB, 512.0 MiB/s, ETA 5s)");
  EXPECT_EQ(format_progress_line(snap("gptq", 32, 32, "layers", 4000, true), 0),
            "gptq: 100% (32/32 layers, 0.01 layers/s, in 1:06:40)");
}

TEST(ProgressFormat, UnknownTotal) {
  EXPECT_EQ(format_progress_line(snap("tokens", 1234, 0, "tok", 2), 20),
            "tokens 1234 tok  617 tok/s  2s");
  EXPECT_EQ(format_progress_line(snap("tokens", 1234, 0, "tok", 2), 0),
            "tokens: 1234 tok (617 tok/s, 2s)");
  EXPECT_EQ(format_progress_line(snap("read", 2048, 0, "B", 0.5, true), 0),
            "read: 2.0 KiB (4.0 KiB/s, in 1s)");
}

TEST(ProgressFormat, Durations) {
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(59.4), "59s");
  EXPECT_EQ(format_duration(59.6), "1:00");
  EXPECT_EQ(format_duration(3599), "59:59");
  EXPECT_EQ(format_duration(3600), "1:00:00");
  EXPECT_EQ(format_duration(3725), "1:02:05");
  EXPECT_EQ(format_duration(-1), "--:--");
  EXPECT_EQ(format_duration(INFINITY), "--:--");
  EXPECT_EQ(format_duration(NAN), "--:--");
}

TEST(ProgressFormat, Amounts) {
  EXPECT_EQ(format_amount(0, "B"), "0 B");
  EXPECT_EQ(format_amount(1023, "B"), "1023 B");
  EXPECT_EQ(format_amount(1024, "B"), "1.0 KiB");
  EXPECT_EQ(format_amount(1536, "B"), "1.5 KiB");
  EXPECT_EQ(format_amount(5.0 * (1ull << 30), "B"), "5.0 GiB");
  EXPECT_EQ(format_amount(3.0 * (1ull << 40), "B"), "3.0 TiB");
  EXPECT_EQ(format_amount(12, "it"), "12 it");
}

// The bar's output in a log (stderr not a terminal): quarter lines and a
// final line, nothing more for a fast loop.
class ProgressBarTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (isatty(STDERR_FILENO)) GTEST_SKIP() << "stderr is a terminal; these tests check log output";
    saved_level_ = log::level();
    log::set_level(log::Level::kInfo);
    set_progress_enabled(true);
  }
  void TearDown() override {
    log::set_level(saved_level_);
    set_progress_enabled(true);
  }

  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);) out.push_back(l);
    return out;
  }

  log::Level saved_level_ = log::Level::kInfo;
};

TEST_F(ProgressBarTest, LogGetsQuartersAndTheFinalLine) {
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("quant", 100, "layers");
    for (int i = 0; i < 100; ++i) bar.advance();
  }
  const auto out = lines(testing::internal::GetCapturedStderr());
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].rfind("quant: 25% (25/100 layers, ", 0), 0u) << out[0];
  EXPECT_EQ(out[1].rfind("quant: 50% (50/100 layers, ", 0), 0u) << out[1];
  EXPECT_EQ(out[2].rfind("quant: 75% (75/100 layers, ", 0), 0u) << out[2];
  EXPECT_EQ(out[3].rfind("quant: 100% (100/100 layers, ", 0), 0u) << out[3];
  EXPECT_NE(out[3].find(", in "), std::string::npos) << out[3];
}

TEST_F(ProgressBarTest, FinishIsIdempotentAndSetJumps) {
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("scan", 0, "files");
    bar.set(41);
    bar.advance();
    bar.finish();
    bar.finish();
  }
  const auto out = lines(testing::internal::GetCapturedStderr());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].rfind("scan: 42 files (", 0), 0u) << out[0];
}

TEST_F(ProgressBarTest, ConcurrentAdvanceCountsEverything) {
  testing::internal::CaptureStderr();
  {
    ProgressBar bar("work", 40000);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 10000; ++i) bar.advance();
      });
    }
    for (auto& th : threads) th.join();
  }
  const auto out = lines(testing::internal::GetCapturedStderr());
  // At most one line per quarter however many threads cross it (a thread
  // that stalls may let a later quarter be reported first), plus the final.
  ASSERT_GE(out.size(), 1u);
  ASSERT_LE(out.size(), 4u);
  EXPECT_EQ(out.back().rfind("work: 100% (40000/40000 it, ", 0), 0u) << out.back();
}

TEST_F(ProgressBarTest, SilentWhenDisabledOrQuietLogLevel) {
  testing::internal::CaptureStderr();
  set_progress_enabled(false);
  {
    ProgressBar bar("a", 10);
    bar.advance(10);
  }
  set_progress_enabled(true);
  log::set_level(log::Level::kWarn);
  {
    ProgressBar bar("b", 10);
    bar.advance(10);
  }
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

}  // namespace
}  // namespace slimlm
