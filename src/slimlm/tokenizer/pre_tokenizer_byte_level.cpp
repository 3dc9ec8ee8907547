// ByteLevel (GPT-2): optionally splits with the GPT-2 regex, then maps every
// byte to its printable stand-in so that BPE never sees an unknown symbol.
#include <array>
#include <cstring>
#include <memory>
#include <optional>

#include "slimlm/tokenizer/byte_level.h"
#include "slimlm/tokenizer/regex.h"
#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {
namespace {

class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex)
      : add_prefix_space_(add_prefix_space) {
    if (use_regex) regex_.emplace(kGpt2Pattern, "ByteLevel pre-tokenizer");
  }

  void pre_tokenize(PreTokenizedString& text) const override {
    thread_local std::string prefixed;
    text.split([&](std::string_view piece, bool at_origin, PreTokenizedString::Sink& out) {
      if (add_prefix_space_ && piece.front() != ' ') {
        prefixed.resize(piece.size() + 1);
        prefixed[0] = ' ';
        std::memcpy(prefixed.data() + 1, piece.data(), piece.size());
        piece = prefixed;
      }
      auto emit = [&](size_t b, size_t e) {
        out.add_with([&](std::string& buf) { append_byte_level(buf, piece.substr(b, e - b)); },
                     at_origin && b == 0);
      };
      if (!regex_) {
        emit(0, piece.size());
        return;
      }
      size_t last = 0;
      regex_->for_each_match(piece, [&](const Match& m) {
        if (last < m.begin) emit(last, m.begin);
        emit(m.begin, m.end);
        last = m.end;
      });
      if (last < piece.size()) emit(last, piece.size());
    });
  }

 private:
  bool add_prefix_space_;
  std::optional<Regex> regex_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(const Json& j, const BuildContext& ctx) {
  constexpr const char* kWhere = "pre_tokenizer ByteLevel";
  return std::make_unique<ByteLevelPreTokenizer>(ctx.bool_field(j, "add_prefix_space", true, kWhere),
                                                 ctx.bool_field(j, "use_regex", true, kWhere));
}

}  // namespace slimlm::tokenizer
