#pragma once
// Word -> token ids. Natural text repeats its words, so most BPE work is a
// lookup here. Two levels: a small direct-mapped table per thread (no locks,
// no sharing of cache lines), in front of a table shared by all threads of one
// tokenizer, sharded under mutexes. When a shard is full it stops taking new
// words (as HF's cache does): no eviction cost, bounded memory.
#include <xxhash.h>

#include <atomic>
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

  explicit WordCache(size_t capacity = 1 << 17);
  WordCache(const WordCache&) = delete;
  WordCache& operator=(const WordCache&) = delete;

  // Appends the cached ids of `word` to `out`; false when absent.
  bool lookup(std::string_view word, std::vector<int32_t>& out) const;
  void insert(std::string_view word, const int32_t* ids, size_t n) const;

 private:
  static constexpr size_t kShards = 64;
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, std::vector<int32_t>, StringHash, std::equal_to<>> map;
  };
  struct LocalEntry {
    uint64_t hash = 0;
    std::string word;
    std::vector<int32_t> ids;
  };
  struct Local;
  Local& local() const;

  const uint64_t serial_;  // tells this cache's per-thread tables apart
  std::unique_ptr<Shard[]> shards_;
  size_t per_shard_;
};

}  // namespace slimlm::tokenizer
