#pragma once
// Progress of long loops on stderr. On a terminal: one live line redrawn at
// most ~10 times a second with a bar, percent, count/total, rate and ETA. In
// a log file or pipe: a plain line at most every ~5 s and at 25/50/75/100 %,
// so logs stay short. Silent when disabled (--quiet) or when the log level is
// above info.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

namespace slimlm {

// Global switch, on by default; `--quiet` turns every bar off.
void set_progress_enabled(bool enabled);
bool progress_enabled();

class ProgressBar {
 public:
  // total == 0: unknown total (count and rate only). unit "B" prints sizes
  // in KiB/MiB/GiB.
  ProgressBar(std::string label, uint64_t total, std::string unit = "it");
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;
  ~ProgressBar();

  // Thread-safe.
  void advance(uint64_t n = 1);
  void set(uint64_t done);
  // Prints the final line (idempotent); the destructor calls it.
  void finish();

 private:
  void maybe_render(uint64_t done, bool force);
  void render(uint64_t done, bool final_line);

  std::string label_;
  uint64_t total_;
  std::string unit_;
  bool active_;
  bool tty_;
  int64_t start_ns_;
  std::atomic<uint64_t> done_{0};
  std::atomic<int64_t> next_render_ns_{0};
  std::atomic<int> quarters_shown_{0};  // plain mode: 25/50/75 % lines printed
  std::atomic<bool> finished_{false};
  std::mutex render_mutex_;
};

// What a progress line says; format_progress_line() is pure so that it can be
// tested without a clock or a terminal.
struct ProgressSnapshot {
  std::string_view label;
  uint64_t done = 0;
  uint64_t total = 0;  // 0 = unknown
  std::string_view unit = "it";
  double elapsed_s = 0;
  bool final_line = false;  // shows the total time instead of an ETA
};

// bar_width > 0: terminal style with a bar of that many cells; 0: plain style.
std::string format_progress_line(const ProgressSnapshot& s, int bar_width);

// "1.5 GiB" for unit "B", otherwise the count ("12345 it"); helpers shared
// with the line format.
std::string format_amount(double amount, std::string_view unit);
// "42s", "3:07", "1:02:03"; "--:--" for a negative or non-finite value.
std::string format_duration(double seconds);

}  // namespace slimlm
