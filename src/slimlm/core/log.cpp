#include "slimlm/core/log.h"

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <string>

#include "slimlm/core/console.h"

namespace slimlm::log {
namespace {

Level initial_level() {
  const char* env = std::getenv("SLIMLM_LOG_LEVEL");
  if (env && *env) {
    if (auto l = level_from_string(env)) return *l;
    // The logger cannot report through itself before it has a level.
    detail::console_write_line(std::string("warning: ignoring SLIMLM_LOG_LEVEL=") + env +
                               ": expected trace, debug, info, warn, error or off");
  }
  return Level::kInfo;
}

std::atomic<Level>& current() {
  static std::atomic<Level> l{initial_level()};
  return l;
}

}  // namespace

void set_level(Level l) { current().store(l, std::memory_order_relaxed); }
Level level() { return current().load(std::memory_order_relaxed); }

bool enabled(Level l) { return l != Level::kOff && level() <= l; }

std::optional<Level> level_from_string(std::string_view name) {
  std::string s(name);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (s == "trace") return Level::kTrace;
  if (s == "debug") return Level::kDebug;
  if (s == "info") return Level::kInfo;
  if (s == "warn" || s == "warning") return Level::kWarn;
  if (s == "error") return Level::kError;
  if (s == "off") return Level::kOff;
  return std::nullopt;
}

std::string_view to_string(Level l) {
  switch (l) {
    case Level::kTrace: return "trace";
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warning";
    case Level::kError: return "error";
    case Level::kOff: return "off";
  }
  return "unknown";
}

void write(Level l, std::string_view message) {
  if (!enabled(l)) return;
  std::string line;
  if (l != Level::kInfo) {
    line.reserve(message.size() + 10);
    line += to_string(l);
    line += ": ";
  }
  line += message;
  detail::console_write_line(line);
}

}  // namespace slimlm::log
