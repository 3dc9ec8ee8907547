#include "slimlm/core/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "slimlm/core/console.h"
#include "slimlm/core/log.h"

namespace slimlm {
namespace {

std::atomic<bool> g_enabled{true};

constexpr int64_t kTtyIntervalNs = 100'000'000;     // ~10 redraws a second
constexpr int64_t kPlainIntervalNs = 5'000'000'000;  // a log line every ~5 s

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool is_bytes(std::string_view unit) { return unit == "B"; }

std::string format_rate(double rate, std::string_view unit) {
  if (!std::isfinite(rate) || rate < 0) return fmt::format("-- {}/s", unit);
  if (is_bytes(unit)) return format_amount(rate, unit) + "/s";
  if (rate >= 100) return fmt::format("{:.0f} {}/s", rate, unit);
  if (rate >= 10) return fmt::format("{:.1f} {}/s", rate, unit);
  return fmt::format("{:.2f} {}/s", rate, unit);
}

// "420/1000 it" or "1.2 GiB/3.4 GiB"; "420 it" when the total is unknown.
std::string format_count(uint64_t done, uint64_t total, std::string_view unit) {
  if (is_bytes(unit)) {
    const std::string d = format_amount(static_cast<double>(done), unit);
    if (!total) return d;
    return fmt::format("{}/{}", d, format_amount(static_cast<double>(total), unit));
  }
  if (total) return fmt::format("{}/{} {}", done, total, unit);
  return fmt::format("{} {}", done, unit);
}

}  // namespace

void set_progress_enabled(bool enabled) { g_enabled.store(enabled, std::memory_order_relaxed); }
bool progress_enabled() { return g_enabled.load(std::memory_order_relaxed); }

std::string format_amount(double amount, std::string_view unit) {
  if (!is_bytes(unit)) return fmt::format("{:.0f} {}", amount, unit);
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
  int u = 0;
  while (amount >= 1024 && u < 5) {
    amount /= 1024;
    ++u;
  }
  if (u == 0) return fmt::format("{:.0f} B", amount);
  return fmt::format("{:.1f} {}", amount, kUnits[u]);
}

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<uint64_t>(std::llround(seconds));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}:{:02}", s / 60, s % 60);
  return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
}

std::string format_progress_line(const ProgressSnapshot& s, int bar_width) {
  const double rate =
      s.elapsed_s > 0 ? static_cast<double>(s.done) / s.elapsed_s : std::nan("");
  const std::string count = format_count(s.done, s.total, s.unit);
  const std::string rate_text = format_rate(rate, s.unit);

  // Time: the total time on the final line, else the ETA (known total) or the
  // elapsed time (unknown total).
  std::string time;
  if (s.final_line) {
    time = "in " + format_duration(s.elapsed_s);
  } else if (s.total) {
    const double left = static_cast<double>(s.total - std::min(s.done, s.total));
    time = "ETA " + format_duration(s.done && rate > 0 ? left / rate : -1);
  } else {
    time = format_duration(s.elapsed_s);
  }

  if (!s.total) {
    if (bar_width > 0) return fmt::format("{} {}  {}  {}", s.label, count, rate_text, time);
    return fmt::format("{}: {} ({}, {})", s.label, count, rate_text, time);
  }
  const double frac = std::min(1.0, static_cast<double>(s.done) / static_cast<double>(s.total));
  const int percent = static_cast<int>(frac * 100);  // floor: 100 % only when done
  if (bar_width <= 0) {
    return fmt::format("{}: {}% ({}, {}, {})", s.label, percent, count, rate_text, time);
  }
  const int full = static_cast<int>(frac * bar_width);
  std::string bar(static_cast<size_t>(full), '=');
  if (full < bar_width) {
    bar += '>';
    bar.append(static_cast<size_t>(bar_width - full - 1), ' ');
  }
  return fmt::format("{} {:3}% [{}] {}  {}  {}", s.label, percent, bar, count, rate_text, time);
}

ProgressBar::ProgressBar(std::string label, uint64_t total, std::string unit)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      active_(progress_enabled() && log::enabled(log::Level::kInfo)),
      tty_(detail::console_is_tty()),
      start_ns_(now_ns()) {
  // A terminal shows the bar at once; a log gets its first line after the
  // interval (or at 25 %), so short tasks log only their final line.
  next_render_ns_ = tty_ ? start_ns_ : start_ns_ + kPlainIntervalNs;
}

ProgressBar::~ProgressBar() {
  try {
    finish();
  } catch (...) {
    // A failed write to stderr must not escape a destructor.
  }
}

void ProgressBar::advance(uint64_t n) {
  const uint64_t done = done_.fetch_add(n, std::memory_order_relaxed) + n;
  maybe_render(done, false);
}

void ProgressBar::set(uint64_t done) {
  done_.store(done, std::memory_order_relaxed);
  maybe_render(done, false);
}

void ProgressBar::finish() {
  if (finished_.exchange(true)) return;
  if (active_) render(done_.load(std::memory_order_relaxed), true);
}

void ProgressBar::maybe_render(uint64_t done, bool force) {
  if (!active_ || finished_.load(std::memory_order_relaxed)) return;
  const int64_t now = now_ns();
  if (!tty_ && total_) {
    // Plain mode also reports each quarter as it is crossed.
    const int quarter = static_cast<int>(std::min<uint64_t>(3, done * 4 / total_));
    int shown = quarters_shown_.load(std::memory_order_relaxed);
    if (quarter > shown && quarters_shown_.compare_exchange_strong(shown, quarter)) force = true;
  }
  int64_t next = next_render_ns_.load(std::memory_order_relaxed);
  if (!force && now < next) return;
  const int64_t interval = tty_ ? kTtyIntervalNs : kPlainIntervalNs;
  // One thread wins the slot; the others skip this redraw.
  if (!next_render_ns_.compare_exchange_strong(next, now + interval) && !force) return;
  render(done, false);
}

void ProgressBar::render(uint64_t done, bool final_line) {
  std::lock_guard lock(render_mutex_);
  // A redraw that lost the race with finish() must not follow the final line.
  if (!final_line && finished_.load()) return;
  ProgressSnapshot s;
  s.label = label_;
  s.done = done;
  s.total = total_;
  s.unit = unit_;
  s.elapsed_s = static_cast<double>(now_ns() - start_ns_) * 1e-9;
  s.final_line = final_line;
  if (!tty_) {
    detail::console_write_line(format_progress_line(s, 0));
    return;
  }
  // Leave room for the text around the bar; narrow terminals get a short bar.
  const int room = detail::console_columns() - static_cast<int>(label_.size()) - 60;
  const int bar_width = std::clamp(room, 10, 30);
  detail::console_set_status(format_progress_line(s, bar_width));
  if (final_line) detail::console_end_status(true);
}

}  // namespace slimlm
