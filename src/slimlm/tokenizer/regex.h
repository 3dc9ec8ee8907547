#pragma once
// PCRE2 with UTF + UCP + JIT: runs the GPT-2, Llama-3 and Qwen2 pre-tokenizer
// patterns unchanged (lookahead, \p{L}, Unicode \s), which RE2 and std::regex
// cannot. Subjects must be valid UTF-8; the pipeline checks that once, up
// front, so matching skips PCRE2's per-call UTF check.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace slimlm::tokenizer {

struct Match {
  size_t begin;
  size_t end;
};

class Regex {
 public:
  // Throws FormatError naming `what` (e.g. "tokenizer.json pre_tokenizer Split")
  // when the pattern does not compile.
  Regex(std::string_view pattern, std::string_view what);
  static Regex literal(std::string_view text, std::string_view what);

  const std::string& pattern() const { return pattern_; }

  // Calls fn(Match) for every non-overlapping match, left to right. An empty
  // match advances by one code point, as Rust's find_iter does.
  template <class Fn>
  void for_each_match(std::string_view subject, Fn&& fn) const {
    size_t offset = 0;
    Match m;
    while (offset <= subject.size() && find(subject, offset, m)) {
      fn(m);
      if (m.end == m.begin) {
        if (m.end >= subject.size()) break;
        offset = m.end + 1;
        while (offset < subject.size() && (static_cast<unsigned char>(subject[offset]) & 0xC0) == 0x80)
          ++offset;
      } else {
        offset = m.end;
      }
    }
  }
  std::vector<Match> find_all(std::string_view subject) const;

 private:
  struct Code;
  bool find(std::string_view subject, size_t offset, Match& m) const;

  std::string pattern_;
  std::shared_ptr<const Code> code_;
};

// Escapes `text` so that it matches itself literally.
std::string regex_escape(std::string_view text);

}  // namespace slimlm::tokenizer
