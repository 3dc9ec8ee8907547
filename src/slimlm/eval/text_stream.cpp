#include "slimlm/eval/text_stream.h"

namespace slimlm::eval {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Bytes a UTF-8 sequence starting with `lead` has; 0 for a continuation or
// invalid lead byte.
size_t sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 0;
}

}  // namespace

size_t complete_utf8_prefix(std::string_view s) {
  // Look back at most 3 bytes for the lead byte of the last sequence.
  const size_t n = s.size();
  for (size_t back = 1; back <= 4 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte: keep looking
    const size_t need = sequence_length(c);
    if (need == 0) return n;  // invalid byte: nothing will complete it
    return need > back ? n - back : n;
  }
  return n;  // only continuation bytes: malformed, release as is
}

std::string TextStream::push(int32_t id) {
  ids_.push_back(id);
  const std::string text = decode_(ids_);
  size_t stable = complete_utf8_prefix(text);
  while (stable >= emitted_ + kReplacement.size() &&
         std::string_view(text).substr(stable - kReplacement.size(), kReplacement.size()) == kReplacement) {
    stable -= kReplacement.size();
  }
  if (stable <= emitted_) return {};
  std::string out = text.substr(emitted_, stable - emitted_);
  emitted_ = stable;
  return out;
}

std::string TextStream::flush() {
  if (ids_.empty()) return {};
  const std::string text = decode_(ids_);
  if (text.size() <= emitted_) return {};
  std::string out = text.substr(emitted_);
  emitted_ = text.size();
  return out;
}

}  // namespace slimlm::eval
