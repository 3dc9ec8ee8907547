#include "slimlm/tokenizer/split_behavior.h"

namespace slimlm::tokenizer {

SplitBehavior split_behavior_from_json(const Json& j, const BuildContext& ctx,
                                       std::string_view where) {
  if (!j.is_string()) ctx.fail(where, "'behavior' must be a string");
  const auto s = j.get<std::string>();
  if (s == "Removed") return SplitBehavior::kRemoved;
  if (s == "Isolated") return SplitBehavior::kIsolated;
  if (s == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (s == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (s == "Contiguous") return SplitBehavior::kContiguous;
  ctx.fail(where, "unknown split behavior '" + s + "'");
}

void emit_spans(std::string_view piece, bool at_origin, const std::vector<Span>& spans,
                SplitBehavior behavior, PreTokenizedString::Sink& out) {
  auto emit = [&](size_t b, size_t e) { out.add(piece.substr(b, e - b), at_origin && b == 0); };
  switch (behavior) {
    case SplitBehavior::kIsolated:
      for (const Span& s : spans) emit(s.begin, s.end);
      return;
    case SplitBehavior::kRemoved:
      for (const Span& s : spans)
        if (!s.is_match) emit(s.begin, s.end);
      return;
    case SplitBehavior::kContiguous:
    case SplitBehavior::kMergedWithPrevious: {
      // Fold left to right: a span joins the previous piece when (Contiguous)
      // it has the same kind, or (MergedWithPrevious) it is a match that
      // follows a non-match.
      bool prev_match = false;
      bool have = false;
      size_t cur_b = 0, cur_e = 0;
      for (const Span& s : spans) {
        const bool join = behavior == SplitBehavior::kContiguous ? s.is_match == prev_match
                                                                 : s.is_match && !prev_match;
        if (join && have) {
          cur_e = s.end;
        } else {
          if (have) emit(cur_b, cur_e);
          cur_b = s.begin;
          cur_e = s.end;
          have = true;
        }
        prev_match = s.is_match;
      }
      if (have) emit(cur_b, cur_e);
      return;
    }
    case SplitBehavior::kMergedWithNext: {
      // Fold right to left: a match joins the piece after it unless the span
      // after it was a match too.
      thread_local std::vector<Span> pieces;
      pieces.clear();
      bool prev_match = false;
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_match && !prev_match && !pieces.empty()) {
          pieces.back().begin = it->begin;
        } else {
          pieces.push_back(*it);
        }
        prev_match = it->is_match;
      }
      for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) emit(it->begin, it->end);
      return;
    }
  }
}

}  // namespace slimlm::tokenizer
