#include <gtest/gtest.h>

#include <numeric>

#include "slimlm/calib/calibration_set.h"
#include "slimlm/calib/python_random.h"
#include "slimlm/core/error.h"

namespace slimlm::calib {
namespace {

std::vector<int32_t> stream(int n) {
  std::vector<int32_t> s(static_cast<size_t>(n));
  std::iota(s.begin(), s.end(), 100);
  return s;
}

TEST(CalibrationSet, WindowsStartWhereGptqsLoaderPicksThem) {
  const std::vector<int32_t> s = stream(1000);
  CalibrationOptions o;
  o.samples = 5;
  o.seq_len = 50;
  o.seed = 0;
  const CalibrationSet set = sample_windows(s, o, "s");
  // random.seed(0); [random.randint(0, 1000 - 50 - 1) for _ in range(5)]
  PythonRandom r(0);
  ASSERT_EQ(set.starts.size(), 5u);
  for (int64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(set.starts[static_cast<size_t>(i)], r.randint(0, 949));
    const auto w = set.window(i);
    ASSERT_EQ(w.size(), 50u);
    for (size_t k = 0; k < w.size(); ++k) EXPECT_EQ(w[k], 100 + set.starts[static_cast<size_t>(i)] + static_cast<int64_t>(k));
  }
  EXPECT_EQ(set.tokens.size(), 250u);
  EXPECT_EQ(set.stream_tokens, 1000);
}

TEST(CalibrationSet, SameSeedSameWindowsOtherSeedOthers) {
  const std::vector<int32_t> s = stream(5000);
  CalibrationOptions o;
  o.samples = 8;
  o.seq_len = 64;
  o.seed = 3;
  EXPECT_EQ(sample_windows(s, o).tokens, sample_windows(s, o).tokens);
  CalibrationOptions other = o;
  other.seed = 4;
  EXPECT_NE(sample_windows(s, o).starts, sample_windows(s, other).starts);
}

TEST(CalibrationSet, RejectsTooShortTextsAndEmptyRequests) {
  const std::vector<int32_t> s = stream(64);
  CalibrationOptions o;
  o.seq_len = 64;
  o.samples = 1;
  EXPECT_THROW(sample_windows(s, o), ConfigError);  // needs 65 tokens
  o.seq_len = 63;
  EXPECT_NO_THROW(sample_windows(s, o));
  o.samples = 0;
  EXPECT_THROW(sample_windows(s, o), ConfigError);
  o.samples = 1;
  o.seq_len = 0;
  EXPECT_THROW(sample_windows(s, o), ConfigError);
  try {
    o.seq_len = 512;
    sample_windows(s, o, "short.txt");
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("short.txt"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("--calib-len"), std::string::npos);
  }
}

TEST(CalibrationSet, ReadsTheFileOrNamesIt) {
  EXPECT_THROW(read_calibration_text("/nonexistent/calib.txt"), IoError);
}

}  // namespace
}  // namespace slimlm::calib
