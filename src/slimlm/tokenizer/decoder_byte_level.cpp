// ByteLevel decoder: maps the stand-in code points back to bytes across all
// tokens at once (a character may span tokens), then decodes UTF-8 lossily.
#include <memory>

#include "slimlm/tokenizer/registry.h"
#include "slimlm/tokenizer/unicode.h"

namespace slimlm::tokenizer {
namespace {

class ByteLevelDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string bytes;
    for (const std::string& t : tokens) {
      const size_t mark = bytes.size();
      bool all_mapped = true;
      for (size_t i = 0; i < t.size();) {
        const int b = unicode_to_byte(next_code_point(t, i));
        if (b < 0) {
          all_mapped = false;
          break;
        }
        bytes.push_back(static_cast<char>(b));
      }
      // A token outside the alphabet (an added token) passes through as is.
      if (!all_mapped) {
        bytes.resize(mark);
        bytes.append(t);
      }
    }
    std::string text;
    append_utf8_lossy(text, bytes);
    tokens.assign(1, std::move(text));
  }
};

}  // namespace

std::unique_ptr<Decoder> make_byte_level_decoder(const Json&, const BuildContext&) {
  return std::make_unique<ByteLevelDecoder>();
}

}  // namespace slimlm::tokenizer
