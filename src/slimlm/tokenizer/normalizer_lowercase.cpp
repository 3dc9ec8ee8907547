// Lowercase, code point by code point as Rust's char::to_lowercase (so no
// context-dependent final sigma, and U+0130 becomes "i" + U+0307).
#include <utf8proc.h>

#include <memory>

#include "slimlm/tokenizer/registry.h"
#include "slimlm/tokenizer/unicode.h"

namespace slimlm::tokenizer {
namespace {

class Lowercase final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
      const auto c = static_cast<unsigned char>(text[i]);
      if (c < 0x80) {
        out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
        ++i;
        continue;
      }
      const char32_t cp = next_code_point(text, i);
      if (cp == 0x130) {
        out.append("i\xCC\x87");
        continue;
      }
      append_utf8(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp))));
    }
    text = std::move(out);
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_lowercase(const Json&, const BuildContext&) {
  return std::make_unique<Lowercase>();
}

}  // namespace slimlm::tokenizer
