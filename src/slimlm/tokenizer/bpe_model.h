#pragma once
// The BPE model of HF tokenizers (models/bpe/model.rs), both flavours:
// byte-level (GPT-2, Llama-3, Qwen2: every symbol is in the vocabulary) and
// SentencePiece style (Llama-2, Mistral: byte_fallback to <0xNN> tokens, or an
// unk token, optionally fused). Merging follows HF exactly: repeatedly apply
// the lowest-ranked adjacent pair, leftmost first, over a linked list of
// symbols with a priority queue; stale queue entries are skipped.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "slimlm/tokenizer/merge_table.h"
#include "slimlm/tokenizer/word_cache.h"

namespace slimlm::tokenizer {

struct BpeOptions {
  std::optional<std::string> unk_token;
  std::string continuing_subword_prefix;
  std::string end_of_word_suffix;
  bool fuse_unk = false;
  bool byte_fallback = false;
  // A word that is itself a token skips merging (Llama-3).
  bool ignore_merges = false;
};

using Vocab = std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>>;

class BpeModel {
 public:
  // `merges` in rank order. Throws FormatError naming `source` when a merge
  // or the unk token names a token missing from the vocabulary.
  BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
           BpeOptions options, const std::string& source);

  // Appends the ids of one pre-tokenized word.
  void tokenize(std::string_view word, std::vector<int32_t>& out) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  // nullptr when no token has this id.
  const std::string* id_to_token(int32_t id) const;
  // One past the largest id.
  int32_t id_limit() const { return static_cast<int32_t>(tokens_.size()); }
  const BpeOptions& options() const { return options_; }

 private:
  void merge_word(std::string_view word, std::vector<int32_t>& out) const;
  void tokenize_cached(std::string_view word, std::vector<int32_t>& out) const;
  int32_t symbol_id(std::string_view piece) const;

  Vocab vocab_;
  std::vector<std::string> tokens_;  // id -> token
  std::vector<bool> has_token_;
  MergeTable merges_;
  BpeOptions options_;
  std::optional<int32_t> unk_id_;
  std::vector<int32_t> byte_ids_;  // <0xNN> ids, -1 when absent
  // Ids of the code points below U+0800 (all of the byte-level alphabet),
  // -1 when absent: the common symbols skip the hash lookup.
  std::vector<int32_t> small_char_ids_;
  bool plain_symbols_;  // no prefix/suffix decoration
  // SentencePiece-style vocabularies put "▁" only at the start of a token (or
  // in runs of "▁"). Then no merge can join a symbol ending in another
  // character to one starting with "▁", so a word cut before each such "▁"
  // merges exactly as the whole word does, and the pieces are short enough
  // to cache. Checked on the vocabulary at load time.
  bool split_before_meta_ = false;
  mutable WordCache cache_;
};

}  // namespace slimlm::tokenizer
