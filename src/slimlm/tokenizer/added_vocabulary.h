#pragma once
// Added and special tokens (HF added_vocabulary.rs): they are cut out of the
// text before normalization and pre-tokenization, so "<|eot_id|>" is one id
// and never BPE-merged. Tokens with normalized=false match the raw text;
// the others match the normalized text, against their own normalized form.
// Matching is leftmost-longest, then single_word / lstrip / rstrip apply.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "slimlm/tokenizer/component.h"
#include "slimlm/tokenizer/pretokenized.h"
#include "slimlm/tokenizer/word_cache.h"

namespace slimlm::tokenizer {

struct AddedToken {
  std::string content;
  int32_t id = -1;
  bool special = false;
  bool normalized = true;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  // What decode() shows for this id: the content as the normalizer rewrites
  // it when normalized (HF tokenizers >= 0.22 decodes the normalized form,
  // so Llama-2's "<s>" decodes as "▁<s>" and, no longer spelling a special
  // token, survives skip_special_tokens).
  std::string decoded;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // `normalizer` (may be null) is applied to the patterns of normalized tokens.
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // Resets `out` to `text` split around added tokens, every other piece
  // normalized (HF extract_and_normalize).
  void extract_and_normalize(std::string_view text, const Normalizer* normalizer,
                             PreTokenizedString& out) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  const AddedToken* find_id(int32_t id) const;
  std::optional<int32_t> find_content(std::string_view content) const;
  bool is_special_content(std::string_view content) const {
    return special_contents_.find(content) != special_contents_.end();
  }

 private:
  // Leftmost-longest matching of a handful of literal patterns.
  class Matcher {
   public:
    void add(std::string pattern, size_t token);
    bool empty() const { return patterns_.empty(); }
    struct Hit {
      size_t begin, end, token;
    };
    void find_all(std::string_view s, std::vector<Hit>& hits) const;

   private:
    std::vector<std::pair<std::string, size_t>> patterns_;
    std::vector<std::vector<size_t>> by_first_byte_ = std::vector<std::vector<size_t>>(256);
  };

  // Adds `piece` cut at the tokens `matcher` finds to `out` (HF find_matches).
  void split_piece(std::string_view piece, bool at_origin, const Matcher& matcher,
                   PreTokenizedString::Sink& out) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<int32_t, size_t> by_id_;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> by_content_;
  std::unordered_set<std::string, StringHash, std::equal_to<>> special_contents_;
  Matcher raw_;
  Matcher normalized_;
};

}  // namespace slimlm::tokenizer
