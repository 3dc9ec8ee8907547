#include "slimlm/tokenizer/added_vocabulary.h"

#include <algorithm>

#include "slimlm/tokenizer/unicode.h"

namespace slimlm::tokenizer {

void AddedVocabulary::Matcher::add(std::string pattern, size_t token) {
  if (pattern.empty()) return;
  const auto first = static_cast<unsigned char>(pattern[0]);
  patterns_.emplace_back(std::move(pattern), token);
  auto& bucket = by_first_byte_[first];
  bucket.push_back(patterns_.size() - 1);
  // Longest first, so the first hit at a position is the leftmost-longest one.
  std::stable_sort(bucket.begin(), bucket.end(), [&](size_t a, size_t b) {
    return patterns_[a].first.size() > patterns_[b].first.size();
  });
}

void AddedVocabulary::Matcher::find_all(std::string_view s, std::vector<Hit>& hits) const {
  hits.clear();
  for (size_t i = 0; i < s.size();) {
    const auto& bucket = by_first_byte_[static_cast<unsigned char>(s[i])];
    bool hit = false;
    for (size_t p : bucket) {
      const std::string& pat = patterns_[p].first;
      if (s.compare(i, pat.size(), pat) == 0) {
        hits.push_back({i, i + pat.size(), patterns_[p].second});
        i += pat.size();
        hit = true;
        break;
      }
    }
    if (!hit) ++i;
  }
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (size_t k = 0; k < tokens_.size(); ++k) {
    AddedToken& t = tokens_[k];
    t.decoded = t.content;
    if (t.normalized && normalizer) normalizer->normalize(t.decoded);
  }
  for (size_t k = 0; k < tokens_.size(); ++k) {
    const AddedToken& t = tokens_[k];
    by_id_.emplace(t.id, k);
    by_content_.emplace(t.content, k);
    if (t.special) special_contents_.insert(t.content);
  }
  // HF matches special tokens first, then the others, each in file order.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t k = 0; k < tokens_.size(); ++k) {
      const AddedToken& t = tokens_[k];
      if (t.special != (pass == 0)) continue;
      if (!t.normalized) raw_.add(t.content, k);
      else normalized_.add(t.decoded, k);
    }
  }
}

const AddedToken* AddedVocabulary::find_id(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

std::optional<int32_t> AddedVocabulary::find_content(std::string_view content) const {
  auto it = by_content_.find(content);
  if (it == by_content_.end()) return std::nullopt;
  return tokens_[it->second].id;
}

namespace {

bool ends_with_word(std::string_view s) {
  if (s.empty()) return false;
  size_t i = s.size() - 1;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return is_word_char(next_code_point(s, i));
}

bool starts_with_word(std::string_view s) {
  size_t i = 0;
  return !s.empty() && is_word_char(next_code_point(s, i));
}

// Start of the whitespace run that ends `s`.
size_t leftmost_space_at_end(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    size_t i = end - 1;
    while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    size_t j = i;
    if (!is_whitespace(next_code_point(s, j))) break;
    end = i;
  }
  return end;
}

// Length of the whitespace run that starts `s`.
size_t rightmost_space_at_start(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    if (!is_whitespace(next_code_point(s, j))) break;
    i = j;
  }
  return i;
}

}  // namespace

void AddedVocabulary::split_piece(std::string_view s, bool at_origin, const Matcher& matcher,
                                  PreTokenizedString::Sink& out) const {
  thread_local std::vector<Matcher::Hit> hits;
  matcher.find_all(s, hits);
  if (hits.empty()) {
    out.add(s, at_origin);
    return;
  }
  size_t start_offset = 0;
  for (const auto& h : hits) {
    const AddedToken& t = tokens_[h.token];
    size_t start = h.begin, stop = h.end;
    if (t.single_word) {
      const bool start_space = start == 0 || !ends_with_word(s.substr(0, start));
      const bool stop_space = stop == s.size() || !starts_with_word(s.substr(stop));
      if (!start_space || !stop_space) continue;
    }
    if (t.lstrip) start = std::max(leftmost_space_at_end(s.substr(0, start)), start_offset);
    if (t.rstrip) stop += rightmost_space_at_start(s.substr(stop));
    if (start_offset < start) out.add(s.substr(start_offset, start - start_offset), at_origin && start_offset == 0);
    // An added token is one final id whatever its text.
    out.add(s.substr(start, stop - start), at_origin && start == 0, t.id);
    start_offset = stop;
  }
  if (start_offset < s.size()) out.add(s.substr(start_offset), at_origin && start_offset == 0);
}

void AddedVocabulary::extract_and_normalize(std::string_view text, const Normalizer* normalizer,
                                            PreTokenizedString& out) const {
  out.reset(text);
  if (!raw_.empty()) {
    out.split([&](std::string_view piece, bool at_origin, PreTokenizedString::Sink& sink) {
      split_piece(piece, at_origin, raw_, sink);
    });
  }
  if (!normalizer && normalized_.empty()) return;
  thread_local std::string normalized;
  out.split([&](std::string_view piece, bool at_origin, PreTokenizedString::Sink& sink) {
    normalized.assign(piece);
    if (normalizer) normalizer->normalize(normalized);
    if (normalized_.empty()) {
      sink.add(normalized, at_origin);
    } else {
      split_piece(normalized, at_origin, normalized_, sink);
    }
  });
}

}  // namespace slimlm::tokenizer
