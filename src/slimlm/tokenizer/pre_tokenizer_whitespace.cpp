// Whitespace (\w+|[^\w\s]+ kept, the rest dropped) and WhitespaceSplit
// (split on whitespace, dropped).
#include <memory>

#include "slimlm/tokenizer/regex.h"
#include "slimlm/tokenizer/split_behavior.h"

namespace slimlm::tokenizer {
namespace {

class Whitespace final : public PreTokenizer {
 public:
  Whitespace() : regex_(R"(\w+|[^\w\s]+)", "pre_tokenizer Whitespace") {}
  void pre_tokenize(PreTokenizedString& text) const override {
    text.split([&](std::string_view piece, bool at_origin, PreTokenizedString::Sink& out) {
      regex_.for_each_match(piece, [&](const Match& m) {
        out.add(piece.substr(m.begin, m.end - m.begin), at_origin && m.begin == 0);
      });
    });
  }

 private:
  Regex regex_;
};

class WhitespaceSplit final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& text) const override {
    text.split([&](std::string_view piece, bool at_origin, PreTokenizedString::Sink& out) {
      thread_local std::vector<Span> spans;
      char_spans(piece, [](char32_t c) { return is_whitespace(c); }, spans);
      emit_spans(piece, at_origin, spans, SplitBehavior::kRemoved, out);
    });
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_whitespace_pre_tokenizer(const Json&, const BuildContext&) {
  return std::make_unique<Whitespace>();
}
std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer(const Json&, const BuildContext&) {
  return std::make_unique<WhitespaceSplit>();
}

}  // namespace slimlm::tokenizer
