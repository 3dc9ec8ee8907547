#include <gtest/gtest.h>

#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "run_self.h"
#include "slimlm/core/log.h"

namespace slimlm {
namespace {

// Restores the level a test changed.
class LogTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = log::level(); }
  void TearDown() override { log::set_level(saved_); }
  log::Level saved_ = log::Level::kInfo;
};

TEST_F(LogTest, LevelFromString) {
  using log::Level;
  EXPECT_EQ(log::level_from_string("trace"), Level::kTrace);
  EXPECT_EQ(log::level_from_string("debug"), Level::kDebug);
  EXPECT_EQ(log::level_from_string("info"), Level::kInfo);
  EXPECT_EQ(log::level_from_string("warn"), Level::kWarn);
  EXPECT_EQ(log::level_from_string("warning"), Level::kWarn);
  EXPECT_EQ(log::level_from_string("error"), Level::kError);
  EXPECT_EQ(log::level_from_string("off"), Level::kOff);
  EXPECT_EQ(log::level_from_string("DEBUG"), Level::kDebug);
  EXPECT_EQ(log::level_from_string("verbose"), std::nullopt);
  EXPECT_EQ(log::level_from_string(""), std::nullopt);
  EXPECT_EQ(log::level_from_string("info "), std::nullopt);
}

TEST_F(LogTest, SetLevelFiltersMessages) {
  log::set_level(log::Level::kWarn);
  EXPECT_EQ(log::level(), log::Level::kWarn);
  EXPECT_FALSE(log::enabled(log::Level::kInfo));
  EXPECT_TRUE(log::enabled(log::Level::kError));
  log::set_level(log::Level::kOff);
  EXPECT_FALSE(log::enabled(log::Level::kError));
  EXPECT_FALSE(log::enabled(log::Level::kOff));
}

TEST_F(LogTest, LinesAndPrefixes) {
  log::set_level(log::Level::kInfo);
  testing::internal::CaptureStderr();
  log::debug("hidden {}", 1);
  log::info("loaded {} tensors from {}", 291, "model.safetensors");
  log::warn("tensor {} is {}", "lm_head", "tied");
  log::error("cannot open {}", "x.json");
  log::write(log::Level::kInfo, "already terminated\n");
  const std::string out = testing::internal::GetCapturedStderr();
  EXPECT_EQ(out,
            "loaded 291 tensors from model.safetensors\n"
            "warning: tensor lm_head is tied\n"
            "error: cannot open x.json\n"
            "already terminated\n");

  log::set_level(log::Level::kDebug);
  testing::internal::CaptureStderr();
  log::debug("shown {:.2f}", 1.5);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "debug: shown 1.50\n");

  log::set_level(log::Level::kError);
  testing::internal::CaptureStderr();
  log::warn("hidden");
  log::error("shown");
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "error: shown\n");
}

TEST(LogEnv, InitialLevelComesFromTheEnvironment) {
  if (const char* env = std::getenv("SLIMLM_LOG_LEVEL")) {
    const auto want = log::level_from_string(env);
    EXPECT_EQ(log::level(), want ? *want : log::Level::kInfo) << env;
    return;
  }
  EXPECT_EQ(log::level(), log::Level::kInfo);  // the default
  for (const char* value : {"debug", "Warning", "off", "loud"}) {
    EXPECT_TRUE(test::current_test_passes_with_env(std::string("SLIMLM_LOG_LEVEL=") + value))
        << value;
  }
}

TEST_F(LogTest, ThreadsNeverInterleaveWithinALine) {
  log::set_level(log::Level::kInfo);
  testing::internal::CaptureStderr();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < 200; ++i) log::warn("thread {} message {} {}", t, i, std::string(40, 'x'));
    });
  }
  for (auto& th : threads) th.join();
  std::istringstream out(testing::internal::GetCapturedStderr());
  const std::regex line_re("warning: thread [0-3] message [0-9]+ x{40}");
  int lines = 0;
  for (std::string line; std::getline(out, line); ++lines) {
    ASSERT_TRUE(std::regex_match(line, line_re)) << line;
  }
  EXPECT_EQ(lines, 800);
}

}  // namespace
}  // namespace slimlm
