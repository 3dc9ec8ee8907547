#pragma once
// Diagnostics on stderr, one line per message. stdout is left to command
// output (tables, JSON) so that it can be piped. Warnings and errors carry a
// "warning: " / "error: " prefix; info lines carry none.
#include <fmt/format.h>

#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

namespace slimlm::log {

enum class Level : uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// The initial level is info, or env SLIMLM_LOG_LEVEL when it names a level.
void set_level(Level level);
Level level();
bool enabled(Level level);  // level() <= level && level != kOff

// trace|debug|info|warn|warning|error|off (case-insensitive).
std::optional<Level> level_from_string(std::string_view name);
std::string_view to_string(Level level);

// Writes one line (a trailing newline in `message` is not doubled) when
// `level` is enabled. Thread-safe; lines from threads never interleave.
void write(Level level, std::string_view message);

template <class... Args>
void trace(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kTrace)) write(Level::kTrace, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kDebug)) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kInfo)) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kWarn)) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(Level::kError)) write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace slimlm::log
