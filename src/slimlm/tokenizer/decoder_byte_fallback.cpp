// ByteFallback: runs of "<0xNN>" tokens become the bytes they name; a run that
// is not valid UTF-8 becomes one U+FFFD per byte (as HF does).
#include <memory>

#include "slimlm/tokenizer/registry.h"
#include "slimlm/tokenizer/unicode.h"

namespace slimlm::tokenizer {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string run;
    auto flush = [&] {
      if (run.empty()) return;
      if (is_valid_utf8(run)) {
        out.push_back(run);
      } else {
        for (size_t i = 0; i < run.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
      }
      run.clear();
    };
    for (std::string& t : tokens) {
      if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') {
        const int hi = hex_digit(t[3]), lo = hex_digit(t[4]);
        if (hi >= 0 && lo >= 0) {
          run.push_back(static_cast<char>(hi * 16 + lo));
          continue;
        }
      }
      flush();
      out.push_back(std::move(t));
    }
    flush();
    tokens = std::move(out);
  }
};

}  // namespace

std::unique_ptr<Decoder> make_byte_fallback_decoder(const Json&, const BuildContext&) {
  return std::make_unique<ByteFallbackDecoder>();
}

}  // namespace slimlm::tokenizer
