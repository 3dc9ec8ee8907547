#include "slimlm/eval/system/memory.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <string>

namespace slimlm::eval {
namespace {

std::string read_status() {
  std::ifstream in("/proc/self/status");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::optional<uint64_t> parse_status_kb(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    const std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':') continue;
    std::string_view rest = line.substr(key.size() + 1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    uint64_t kb = 0;
    const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), kb);
    if (ec != std::errc() || end == rest.data()) return std::nullopt;
    std::string_view unit(end, static_cast<size_t>(rest.data() + rest.size() - end));
    while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
    if (unit != "kB") return std::nullopt;
    return kb * 1024;
  }
  return std::nullopt;
}

uint64_t peak_rss_bytes() { return parse_status_kb(read_status(), "VmHWM").value_or(0); }

uint64_t current_rss_bytes() { return parse_status_kb(read_status(), "VmRSS").value_or(0); }

bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  if (!out) return false;
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

}  // namespace slimlm::eval
