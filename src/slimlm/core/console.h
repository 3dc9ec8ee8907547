#pragma once
// Internal: the single writer of stderr. Log lines and a live progress bar
// share the terminal; routing both through here lets a log line clear the bar,
// print, and redraw the bar below it instead of garbling both.
#include <string_view>

namespace slimlm::detail {

// Writes `line` plus a newline, keeping any live status line below it.
void console_write_line(std::string_view line);
// Replaces the live status line (drawn with "\r", no newline).
void console_set_status(std::string_view status);
// Ends the live status line: keeps it on screen (newline) or erases it.
void console_end_status(bool keep);
// Whether stderr is a terminal (checked once).
bool console_is_tty();
// Terminal width in columns (80 when unknown).
int console_columns();

}  // namespace slimlm::detail
