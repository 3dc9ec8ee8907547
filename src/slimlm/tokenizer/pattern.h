#pragma once
// The "pattern" objects of Split, Replace and the Replace decoder:
// {"String": "..."} matches the text literally, {"Regex": "..."} is a regex.
#include <optional>
#include <string>
#include <string_view>

#include "slimlm/tokenizer/regex.h"
#include "slimlm/tokenizer/registry.h"

namespace slimlm::tokenizer {

class Pattern {
 public:
  static Pattern from_json(const Json& j, const BuildContext& ctx, std::string_view where);
  static Pattern literal(std::string text);

  // fn(Match) for each non-overlapping match, left to right.
  template <class Fn>
  void for_each_match(std::string_view s, Fn&& fn) const {
    if (regex_) {
      regex_->for_each_match(s, fn);
      return;
    }
    if (literal_.empty()) return;  // HF: an empty string pattern matches nothing
    size_t pos = 0;
    while ((pos = s.find(literal_, pos)) != std::string_view::npos) {
      fn(Match{pos, pos + literal_.size()});
      pos += literal_.size();
    }
  }

  // Replaces every match by `content`.
  std::string replace_all(std::string_view s, std::string_view content) const;

 private:
  std::string literal_;
  std::optional<Regex> regex_;
};

}  // namespace slimlm::tokenizer
