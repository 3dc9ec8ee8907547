#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <cstdlib>
#include <set>
#include <string>
#include <stdexcept>
#include <thread>
#include <vector>

#include "run_self.h"
#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"
#include "slimlm/core/timer.h"

namespace slimlm {
namespace {

class ThreadsTest : public ::testing::Test {
 protected:
  void SetUp() override { saved_ = num_threads(); }
  void TearDown() override { set_num_threads(saved_); }
  int saved_ = 1;
};

// Counts how often each index is visited and checks every piece's length.
void expect_exact_cover(int64_t begin, int64_t end, int64_t grain) {
  const int64_t n = end > begin ? end - begin : 0;
  std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
  std::atomic<int> short_pieces{0};
  parallel_for(begin, end, grain, [&](int64_t b, int64_t e) {
    ASSERT_LE(begin, b);
    ASSERT_LT(b, e);
    ASSERT_LE(e, end);
    if (e - b < grain && !(b == begin && e == end)) ++short_pieces;
    for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i - begin)]++;
  });
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_EQ(hits[static_cast<size_t>(i)].load(), 1)
        << "index " << begin + i << " of [" << begin << ", " << end << ") grain " << grain;
  }
  EXPECT_EQ(short_pieces.load(), 0) << "[" << begin << ", " << end << ") grain " << grain;
}

TEST_F(ThreadsTest, CoversTheRangeExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    set_num_threads(threads);
    EXPECT_EQ(num_threads(), threads);
    expect_exact_cover(0, 1000, 1);
    expect_exact_cover(0, 1000, 7);
    expect_exact_cover(-50, 53, 10);
    expect_exact_cover(5, 6, 1);
    expect_exact_cover(0, 9, 4);
    expect_exact_cover(0, 10, 3);
    expect_exact_cover(0, 100, 1000);  // grain larger than the range
    expect_exact_cover(3, 3, 1);       // empty
    expect_exact_cover(10, 0, 1);      // reversed: nothing to do
    expect_exact_cover(0, 100, 0);     // grain 0 treated as 1
    expect_exact_cover(0, 100003, 64);
  }
}

TEST_F(ThreadsTest, EmptyRangeNeverCallsFn) {
  int calls = 0;
  parallel_for(4, 4, 1, [&](int64_t, int64_t) { ++calls; });
  parallel_for(9, 2, 1, [&](int64_t, int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST_F(ThreadsTest, WorkersShareTheWork) {
  set_num_threads(3);
  std::mutex m;
  std::set<std::thread::id> ids;
  std::atomic<int> entered{0};
  parallel_for(0, 3, 1, [&](int64_t, int64_t) {
    {
      std::lock_guard lock(m);
      ids.insert(std::this_thread::get_id());
    }
    // Hold each piece until another thread has joined in (or give up after
    // 5 s), so the caller cannot finish every piece alone.
    ++entered;
    Timer t;
    while (entered.load() < 2 && t.seconds() < 5) std::this_thread::yield();
  });
  EXPECT_GE(ids.size(), 2u);
}

TEST_F(ThreadsTest, SingleThreadRunsOnTheCaller) {
  set_num_threads(1);
  const auto me = std::this_thread::get_id();
  int calls = 0;
  parallel_for(0, 100, 1, [&](int64_t b, int64_t e) {
    EXPECT_EQ(std::this_thread::get_id(), me);
    EXPECT_EQ(b, 0);
    EXPECT_EQ(e, 100);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
}

TEST_F(ThreadsTest, ExceptionsReachTheCaller) {
  set_num_threads(4);
  for (int round = 0; round < 20; ++round) {
    EXPECT_THROW(parallel_for(0, 1000, 10,
                              [](int64_t b, int64_t e) {
                                if (b <= 500 && 500 < e) throw std::runtime_error("bad index 500");
                              }),
                 std::runtime_error);
  }
  try {
    parallel_for(0, 8, 1, [](int64_t b, int64_t e) {
      if (b <= 7 && 7 < e) throw ConfigError("piece 7 failed");
    });
    FAIL() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_STREQ(e.what(), "piece 7 failed");
  }
  // The pool still works afterwards.
  expect_exact_cover(0, 5000, 10);
}

TEST_F(ThreadsTest, NestedCallsRunSeriallyOnTheSameThread) {
  set_num_threads(4);
  std::atomic<int64_t> inner_total{0};
  std::atomic<int> bad{0}, outer_pieces{0};
  parallel_for(0, 8, 1, [&](int64_t, int64_t) {
    ++outer_pieces;
    EXPECT_TRUE(in_parallel_region());
    const auto me = std::this_thread::get_id();
    int pieces = 0;
    parallel_for(0, 100, 1, [&](int64_t b, int64_t e) {
      if (std::this_thread::get_id() != me) ++bad;
      inner_total += e - b;
      ++pieces;
    });
    if (pieces != 1) ++bad;
  });
  EXPECT_EQ(bad.load(), 0);
  EXPECT_EQ(outer_pieces.load(), 4);
  EXPECT_EQ(inner_total.load(), 100 * 4);
  EXPECT_FALSE(in_parallel_region());
  EXPECT_THROW(parallel_for(0, 4, 1, [](int64_t, int64_t) { set_num_threads(2); }), Error);
}

TEST_F(ThreadsTest, ConcurrentCallersFromOtherThreads) {
  set_num_threads(3);
  std::atomic<int64_t> sum{0};
  std::vector<std::thread> callers;
  for (int c = 0; c < 3; ++c) {
    callers.emplace_back([&] {
      for (int r = 0; r < 50; ++r) {
        parallel_for(0, 1000, 16, [&](int64_t b, int64_t e) {
          int64_t s = 0;
          for (int64_t i = b; i < e; ++i) s += i;
          sum += s;
        });
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_EQ(sum.load(), int64_t{3} * 50 * (999 * 1000 / 2));
}

TEST_F(ThreadsTest, ZeroMeansAllHardwareThreads) {
  set_num_threads(0);
  const unsigned hw = std::thread::hardware_concurrency();
  EXPECT_EQ(num_threads(), hw == 0 ? 1 : static_cast<int>(hw));
  set_num_threads(-3);
  EXPECT_EQ(num_threads(), hw == 0 ? 1 : static_cast<int>(hw));
}

TEST(ThreadsEnv, DefaultComesFromTheEnvironment) {
  const unsigned hw = std::thread::hardware_concurrency();
  if (const char* env = std::getenv("SLIMLM_THREADS")) {
    const int want = std::string(env) == "3" ? 3 : static_cast<int>(hw == 0 ? 1 : hw);
    EXPECT_EQ(num_threads(), want) << env;
    expect_exact_cover(0, 1000, 1);
    return;
  }
  EXPECT_TRUE(test::current_test_passes_with_env("SLIMLM_THREADS=3"));
  EXPECT_TRUE(test::current_test_passes_with_env("SLIMLM_THREADS=zero"));  // ignored
  EXPECT_TRUE(test::current_test_passes_with_env("SLIMLM_THREADS=-2"));    // ignored
}

TEST(Timer, MeasuresElapsedTime) {
  Timer t;
  const double a = t.seconds();
  EXPECT_GE(a, 0.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const double b = t.seconds();
  EXPECT_GE(b, 0.019);
  EXPECT_GE(t.millis(), 19.0);
  t.reset();
  EXPECT_LT(t.seconds(), b);
}

}  // namespace
}  // namespace slimlm
