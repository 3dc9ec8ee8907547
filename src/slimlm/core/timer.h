#pragma once
// Wall-clock stopwatch on the steady clock (never jumps with NTP or DST).
#include <chrono>

namespace slimlm {

class Timer {
 public:
  using Clock = std::chrono::steady_clock;

  Timer() : start_(Clock::now()) {}
  void reset() { start_ = Clock::now(); }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  double millis() const { return seconds() * 1e3; }

 private:
  Clock::time_point start_;
};

}  // namespace slimlm
