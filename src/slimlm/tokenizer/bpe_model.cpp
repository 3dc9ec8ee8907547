#include "slimlm/tokenizer/bpe_model.h"

#include <algorithm>

#include "slimlm/core/error.h"
#include "slimlm/tokenizer/unicode.h"

namespace slimlm::tokenizer {

namespace {
constexpr char32_t kSmallChars = 0x800;
constexpr std::string_view kMeta = "\xE2\x96\x81";  // U+2581
}

BpeModel::BpeModel(Vocab vocab, const std::vector<std::pair<std::string, std::string>>& merges,
                   BpeOptions options, const std::string& source)
    : vocab_(std::move(vocab)), merges_(merges.size()), options_(std::move(options)) {
  int32_t limit = 0;
  for (const auto& [tok, id] : vocab_) {
    if (id < 0) throw FormatError(source + ": model.vocab: token '" + tok + "' has negative id");
    limit = std::max(limit, id + 1);
  }
  tokens_.assign(static_cast<size_t>(limit), {});
  has_token_.assign(static_cast<size_t>(limit), false);
  for (const auto& [tok, id] : vocab_) {
    tokens_[static_cast<size_t>(id)] = tok;
    has_token_[static_cast<size_t>(id)] = true;
  }

  auto lookup = [&](const std::string& tok, size_t rank, const std::pair<std::string, std::string>& m) {
    auto it = vocab_.find(tok);
    if (it == vocab_.end()) {
      throw FormatError(source + ": model.merges[" + std::to_string(rank) + "] '" + m.first + " " +
                        m.second + "' names token '" + tok + "' missing from the vocabulary");
    }
    return it->second;
  };
  const size_t prefix_len = options_.continuing_subword_prefix.size();
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const auto& m = merges[rank];
    const int32_t a = lookup(m.first, rank, m);
    const int32_t b = lookup(m.second, rank, m);
    const std::string merged = m.first + (m.second.size() >= prefix_len ? m.second.substr(prefix_len) : std::string());
    const int32_t c = lookup(merged, rank, m);
    merges_.insert(a, b, {static_cast<uint32_t>(rank), c});
  }

  if (options_.unk_token) {
    auto it = vocab_.find(*options_.unk_token);
    // HF only fails when the unk token is actually needed; an absent one
    // then behaves like no unk token at all.
    if (it != vocab_.end()) unk_id_ = it->second;
  }
  byte_ids_.assign(256, -1);
  if (options_.byte_fallback) {
    static const char* kHex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
      const std::string name = std::string("<0x") + kHex[b >> 4] + kHex[b & 15] + ">";
      if (auto it = vocab_.find(name); it != vocab_.end()) byte_ids_[static_cast<size_t>(b)] = it->second;
    }
  }
  plain_symbols_ = options_.continuing_subword_prefix.empty() && options_.end_of_word_suffix.empty();
  if (plain_symbols_ && vocab_.count(kMeta)) {
    split_before_meta_ = true;
    for (const auto& [tok, id] : vocab_) {
      for (size_t pos = tok.find(kMeta, 1); pos != std::string::npos; pos = tok.find(kMeta, pos + 1)) {
        if (pos < kMeta.size() || tok.compare(pos - kMeta.size(), kMeta.size(), kMeta) != 0) {
          split_before_meta_ = false;
          break;
        }
      }
      if (!split_before_meta_) break;
    }
  }
  small_char_ids_.assign(kSmallChars, -1);
  std::string s;
  for (char32_t cp = 0; cp < kSmallChars; ++cp) {
    s.clear();
    append_utf8(s, cp);
    small_char_ids_[cp] = symbol_id(s);
  }
}

int32_t BpeModel::symbol_id(std::string_view piece) const {
  auto it = vocab_.find(piece);
  return it == vocab_.end() ? -1 : it->second;
}

std::optional<int32_t> BpeModel::token_to_id(std::string_view token) const {
  auto it = vocab_.find(token);
  if (it == vocab_.end()) return std::nullopt;
  return it->second;
}

const std::string* BpeModel::id_to_token(int32_t id) const {
  if (id < 0 || id >= id_limit() || !has_token_[static_cast<size_t>(id)]) return nullptr;
  return &tokens_[static_cast<size_t>(id)];
}

void BpeModel::tokenize(std::string_view word, std::vector<int32_t>& out) const {
  if (word.empty()) return;
  if (options_.ignore_merges) {
    if (auto it = vocab_.find(word); it != vocab_.end()) {
      out.push_back(it->second);
      return;
    }
  }
  if (!split_before_meta_) {
    tokenize_cached(word, out);
    return;
  }
  size_t start = 0;
  for (size_t pos = word.find(kMeta, 1); pos != std::string_view::npos; pos = word.find(kMeta, pos + 1)) {
    if (pos >= kMeta.size() && word.compare(pos - kMeta.size(), kMeta.size(), kMeta) == 0) continue;
    tokenize_cached(word.substr(start, pos - start), out);
    start = pos;
  }
  tokenize_cached(word.substr(start), out);
}

void BpeModel::tokenize_cached(std::string_view word, std::vector<int32_t>& out) const {
  if (cache_.lookup(word, out)) return;
  const size_t before = out.size();
  merge_word(word, out);
  cache_.insert(word, out.data() + before, out.size() - before);
}

namespace {

struct Symbol {
  int32_t id;
  int32_t prev;
  int32_t next;
  bool removed;
};

struct Candidate {
  uint32_t rank;
  uint32_t pos;
  int32_t new_id;
};

// std::push_heap builds a max-heap: "less" = lower priority = higher rank,
// then further right.
struct LowerPriority {
  bool operator()(const Candidate& a, const Candidate& b) const {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  }
};

}  // namespace

void BpeModel::merge_word(std::string_view word, std::vector<int32_t>& out) const {
  thread_local std::vector<Symbol> syms;
  thread_local std::vector<Candidate> heap;
  thread_local std::string decorated;
  syms.clear();
  heap.clear();

  auto add = [&](int32_t id) {
    const auto n = static_cast<int32_t>(syms.size());
    syms.push_back({id, n - 1, -1, false});
    if (n > 0) syms[static_cast<size_t>(n - 1)].next = n;
  };

  std::optional<int32_t> pending_unk;
  bool first = true;
  for (size_t i = 0; i < word.size();) {
    const size_t start = i;
    const char32_t cp = next_code_point(word, i);
    std::string_view piece = word.substr(start, i - start);
    int32_t id;
    if (plain_symbols_) {
      id = cp < kSmallChars ? small_char_ids_[cp] : symbol_id(piece);
    } else {
      decorated.clear();
      if (!first) decorated += options_.continuing_subword_prefix;
      decorated += piece;
      if (i >= word.size()) decorated += options_.end_of_word_suffix;
      piece = decorated;
      id = symbol_id(piece);
    }
    first = false;
    if (id >= 0) {
      if (pending_unk) add(*std::exchange(pending_unk, std::nullopt));
      add(id);
      continue;
    }
    if (options_.byte_fallback) {
      bool all = true;
      for (unsigned char b : piece) all &= byte_ids_[b] >= 0;
      if (all) {
        // As HF: a pending unk is not flushed here, so it lands after these.
        for (unsigned char b : piece) add(byte_ids_[b]);
        continue;
      }
    }
    if (unk_id_) {
      if (pending_unk && !options_.fuse_unk) add(*pending_unk);
      pending_unk = *unk_id_;
    }
    // Neither a token, bytes nor unk: HF drops the character.
  }
  if (pending_unk) add(*pending_unk);

  for (size_t k = 0; k + 1 < syms.size(); ++k) {
    if (const auto* m = merges_.find(syms[k].id, syms[k + 1].id))
      heap.push_back({m->rank, static_cast<uint32_t>(k), m->id});
  }
  std::make_heap(heap.begin(), heap.end(), LowerPriority{});
  auto push = [&](const MergeTable::Value* m, int32_t pos) {
    heap.push_back({m->rank, static_cast<uint32_t>(pos), m->id});
    std::push_heap(heap.begin(), heap.end(), LowerPriority{});
  };

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), LowerPriority{});
    const Candidate top = heap.back();
    heap.pop_back();
    Symbol& cur = syms[top.pos];
    if (cur.removed || cur.next < 0) continue;
    Symbol& right = syms[static_cast<size_t>(cur.next)];
    // Skip entries made stale by an earlier merge of either symbol.
    const auto* m = merges_.find(cur.id, right.id);
    if (!m || m->id != top.new_id) continue;

    cur.id = top.new_id;
    cur.next = right.next;
    right.removed = true;
    if (cur.next >= 0) syms[static_cast<size_t>(cur.next)].prev = static_cast<int32_t>(top.pos);
    if (cur.prev >= 0) {
      if (const auto* p = merges_.find(syms[static_cast<size_t>(cur.prev)].id, cur.id)) push(p, cur.prev);
    }
    if (cur.next >= 0) {
      if (const auto* n = merges_.find(cur.id, syms[static_cast<size_t>(cur.next)].id))
        push(n, static_cast<int32_t>(top.pos));
    }
  }

  for (int32_t k = syms.empty() ? -1 : 0; k >= 0; k = syms[static_cast<size_t>(k)].next)
    out.push_back(syms[static_cast<size_t>(k)].id);
}

}  // namespace slimlm::tokenizer
