#pragma once
// How a pre-tokenizer turns the matches of its pattern into pieces: HF's
// SplitDelimiterBehavior (Removed, Isolated, MergedWithPrevious,
// MergedWithNext, Contiguous).
#include <string_view>
#include <vector>

#include "slimlm/tokenizer/pretokenized.h"
#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

SplitBehavior split_behavior_from_json(const Json& j, const BuildContext& ctx, std::string_view where);

// A run of the piece that either matched the pattern or lies between matches.
struct Span {
  size_t begin;
  size_t end;
  bool is_match;
};

// Cuts `piece` along `spans` (which cover it, in order) and adds the pieces
// `behavior` keeps to `out`.
void emit_spans(std::string_view piece, bool at_origin, const std::vector<Span>& spans,
                SplitBehavior behavior, PreTokenizedString::Sink& out);

// Spans of `piece` where each code point for which pred(cp) holds is its own
// match (HF's Pattern for Fn(char) -> bool).
template <class Pred>
void char_spans(std::string_view piece, Pred&& pred, std::vector<Span>& spans);

}  // namespace slimlm::tokenizer

#include "slimlm/tokenizer/unicode.h"

namespace slimlm::tokenizer {

template <class Pred>
void char_spans(std::string_view piece, Pred&& pred, std::vector<Span>& spans) {
  spans.clear();
  size_t last = 0;
  for (size_t i = 0; i < piece.size();) {
    const size_t at = i;
    const char32_t c = next_code_point(piece, i);
    if (pred(c)) {
      if (last < at) spans.push_back({last, at, false});
      spans.push_back({at, i, true});
      last = i;
    }
  }
  if (last < piece.size()) spans.push_back({last, piece.size(), false});
}

}  // namespace slimlm::tokenizer
