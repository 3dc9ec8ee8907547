#include "slimlm/tokenizer/byte_level.h"

#include <array>
#include <cstdint>

#include "slimlm/tokenizer/unicode.h"

namespace slimlm::tokenizer {
namespace {

// Each byte's stand-in is one or two UTF-8 bytes; packed for a branch-light loop.
struct Table {
  std::array<uint8_t, 256> len{};
  std::array<std::array<char, 2>, 256> bytes{};
  Table() {
    for (int b = 0; b < 256; ++b) {
      const std::string& s = byte_to_unicode_utf8(static_cast<uint8_t>(b));
      len[b] = static_cast<uint8_t>(s.size());
      bytes[b] = {s[0], s.size() > 1 ? s[1] : '\0'};
    }
  }
};

}  // namespace

void append_byte_level(std::string& out, std::string_view in) {
  static const Table t;
  const size_t start = out.size();
  out.resize(start + 2 * in.size());
  char* p = out.data() + start;
  for (unsigned char b : in) {
    p[0] = t.bytes[b][0];
    p[1] = t.bytes[b][1];
    p += t.len[b];
  }
  out.resize(static_cast<size_t>(p - out.data()));
}

}  // namespace slimlm::tokenizer
