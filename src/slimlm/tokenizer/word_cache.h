#pragma once
// Word -> token ids, shared by all threads of one tokenizer. Natural text
// repeats its words, so most BPE work is a lookup here. Sharded locks keep
// batch encoding from serialising on one mutex. When a shard is full it stops
// taking new words (as HF's cache does): no eviction cost, bounded memory.
#include <xxhash.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace slimlm::tokenizer {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return XXH3_64bits(s.data(), s.size()); }
};

class WordCache {
 public:
  static constexpr size_t kMaxWordBytes = 64;

  explicit WordCache(size_t capacity = 1 << 17)
      : shards_(std::make_unique<Shard[]>(kShards)), per_shard_(capacity / kShards) {}

  // Appends the cached ids of `word` to `out`; false when absent.
  bool lookup(std::string_view word, std::vector<int32_t>& out) const {
    if (word.size() > kMaxWordBytes) return false;
    Shard& s = shard(word);
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.map.find(word);
    if (it == s.map.end()) return false;
    out.insert(out.end(), it->second.begin(), it->second.end());
    return true;
  }

  void insert(std::string_view word, const int32_t* ids, size_t n) const {
    if (word.size() > kMaxWordBytes) return;
    Shard& s = shard(word);
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.map.size() >= per_shard_) return;
    s.map.emplace(std::string(word), std::vector<int32_t>(ids, ids + n));
  }

 private:
  static constexpr size_t kShards = 64;
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> map;
  };
  Shard& shard(std::string_view word) const {
    // Top bits pick the shard; the map itself uses the whole hash.
    return shards_[(XXH3_64bits(word.data(), word.size()) >> 58) % kShards];
  }

  std::unique_ptr<Shard[]> shards_;
  size_t per_shard_;
};

}  // namespace slimlm::tokenizer
