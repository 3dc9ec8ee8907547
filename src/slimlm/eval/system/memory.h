#pragma once
// Resident memory of this process from /proc/self/status: VmHWM is the peak
// resident set since the process started (or since the last reset), the
// figure a user compares with the machine's RAM.
#include <cstdint>
#include <optional>
#include <string_view>

namespace slimlm::eval {

// The value of `key` ("VmHWM", "VmRSS") in /proc/<pid>/status text, in
// bytes (the file gives kB); nullopt when absent or malformed.
std::optional<uint64_t> parse_status_kb(std::string_view status_text, std::string_view key);

// Peak and current resident set of this process in bytes (0 where /proc is
// unavailable).
uint64_t peak_rss_bytes();
uint64_t current_rss_bytes();

// Resets the peak to the current resident set (writes "5" to
// /proc/self/clear_refs, Linux >= 4.0), so that one process can measure the
// peaks of several models in turn. Returns false when the kernel refuses.
bool reset_peak_rss();

}  // namespace slimlm::eval
