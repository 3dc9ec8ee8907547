#include "slimlm/core/console.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <string>

namespace slimlm::detail {
namespace {

std::mutex& console_mutex() {
  static std::mutex m;
  return m;
}
// The status line currently drawn on the terminal; empty when none. Guarded
// by console_mutex().
std::string& live_status() {
  static std::string s;
  return s;
}

void put(std::string_view s) { std::fwrite(s.data(), 1, s.size(), stderr); }

constexpr std::string_view kClearLine = "\r\033[K";

}  // namespace

void console_write_line(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  std::lock_guard lock(console_mutex());
  const std::string& status = live_status();
  std::string out;
  out.reserve(line.size() + status.size() + 8);
  if (!status.empty()) out += kClearLine;
  out += line;
  out += '\n';
  out += status;
  put(out);
  std::fflush(stderr);
}

void console_set_status(std::string_view status) {
  std::lock_guard lock(console_mutex());
  std::string out(kClearLine);
  out += status;
  put(out);
  std::fflush(stderr);
  live_status().assign(status);
}

void console_end_status(bool keep) {
  std::lock_guard lock(console_mutex());
  if (live_status().empty()) return;
  put(keep ? std::string_view("\n") : kClearLine);
  std::fflush(stderr);
  live_status().clear();
}

bool console_is_tty() {
  static const bool tty = isatty(STDERR_FILENO) == 1;
  return tty;
}

int console_columns() {
  winsize ws{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

}  // namespace slimlm::detail
