#include "slimlm/io/message_text.h"

#include <fmt/format.h>

namespace slimlm::io {
namespace {
constexpr size_t kMaxQuotedName = 120;
}

std::string quote_name(std::string_view name) {
  std::string out = "'";
  size_t i = 0;
  for (; i < name.size() && i < kMaxQuotedName; ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x20 || c == 0x7f || c == '\'' || c == '\\') {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  if (i < name.size()) {
    // Cut at a character boundary: drop a trailing partial UTF-8 sequence.
    size_t k = out.size();
    while (k > 1 && (static_cast<unsigned char>(out[k - 1]) & 0xC0) == 0x80) --k;
    if (k > 1 && static_cast<unsigned char>(out[k - 1]) >= 0xC0) out.resize(k - 1);
    out += "...";
  }
  return out + "'";
}

std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  return out;
}

}  // namespace slimlm::io
