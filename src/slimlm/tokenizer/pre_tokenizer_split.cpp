// Split: cuts on a String or Regex pattern (the Llama-3 / Qwen2 regexes),
// with a split behavior and optional inversion.
#include <memory>

#include "slimlm/tokenizer/pattern.h"
#include "slimlm/tokenizer/split_behavior.h"

namespace slimlm::tokenizer {
namespace {

class SplitPreTokenizer final : public PreTokenizer {
 public:
  SplitPreTokenizer(Pattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}

  void pre_tokenize(PreTokenizedString& text) const override {
    text.split([&](std::string_view piece, bool at_origin, PreTokenizedString::Sink& out) {
      if (behavior_ == SplitBehavior::kIsolated) {
        // The common case (every byte-level family): emit as we match.
        size_t last = 0;
        pattern_.for_each_match(piece, [&](const Match& m) {
          if (last < m.begin) out.add(piece.substr(last, m.begin - last), at_origin && last == 0);
          out.add(piece.substr(m.begin, m.end - m.begin), at_origin && m.begin == 0);
          last = m.end;
        });
        if (last < piece.size()) out.add(piece.substr(last), at_origin && last == 0);
        return;
      }
      thread_local std::vector<Span> spans;
      spans.clear();
      size_t last = 0;
      pattern_.for_each_match(piece, [&](const Match& m) {
        if (last < m.begin) spans.push_back({last, m.begin, invert_});
        spans.push_back({m.begin, m.end, !invert_});
        last = m.end;
      });
      if (last < piece.size()) spans.push_back({last, piece.size(), invert_});
      emit_spans(piece, at_origin, spans, behavior_, out);
    });
  }

 private:
  Pattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(const Json& j, const BuildContext& ctx) {
  constexpr const char* kWhere = "pre_tokenizer Split";
  return std::make_unique<SplitPreTokenizer>(
      Pattern::from_json(ctx.field(j, "pattern", kWhere), ctx, kWhere),
      split_behavior_from_json(ctx.field(j, "behavior", kWhere), ctx, kWhere),
      ctx.bool_field(j, "invert", false, kWhere));
}

}  // namespace slimlm::tokenizer
