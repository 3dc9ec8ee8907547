// Digits: isolates numeric characters, one by one or in runs.
#include <memory>

#include "slimlm/tokenizer/split_behavior.h"

namespace slimlm::tokenizer {
namespace {

class Digits final : public PreTokenizer {
 public:
  explicit Digits(bool individual) : individual_(individual) {}
  void pre_tokenize(PreTokenizedString& text) const override {
    text.split([&](std::string_view piece, bool at_origin, PreTokenizedString::Sink& out) {
      thread_local std::vector<Span> spans;
      char_spans(piece, [](char32_t c) { return is_numeric(c); }, spans);
      emit_spans(piece, at_origin, spans,
                 individual_ ? SplitBehavior::kIsolated : SplitBehavior::kContiguous, out);
    });
  }

 private:
  bool individual_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(const Json& j, const BuildContext& ctx) {
  return std::make_unique<Digits>(ctx.bool_field(j, "individual_digits", false, "pre_tokenizer Digits"));
}

}  // namespace slimlm::tokenizer
