#include "slimlm/tokenizer/word_cache.h"

namespace slimlm::tokenizer {

namespace {
std::atomic<uint64_t> g_next_serial{1};
constexpr size_t kLocalSlots = 4096;
// A thread keeps tables for this many caches; beyond, it starts over.
constexpr size_t kLocalTables = 8;
}  // namespace

struct WordCache::Local {
  std::vector<LocalEntry> slots = std::vector<LocalEntry>(kLocalSlots);
};

WordCache::WordCache(size_t capacity)
    : serial_(g_next_serial.fetch_add(1)),
      shards_(std::make_unique<Shard[]>(kShards)),
      per_shard_(capacity / kShards) {}

WordCache::Local& WordCache::local() const {
  thread_local uint64_t last_serial = 0;
  thread_local Local* last = nullptr;
  if (last_serial == serial_) return *last;
  thread_local std::unordered_map<uint64_t, std::unique_ptr<Local>> tables;
  auto it = tables.find(serial_);
  if (it == tables.end()) {
    // Serials are never reused, so a table of a destroyed cache is only
    // garbage, never wrong; dropping them all bounds the memory.
    if (tables.size() >= kLocalTables) tables.clear();
    it = tables.emplace(serial_, std::make_unique<Local>()).first;
  }
  last_serial = serial_;
  last = it->second.get();
  return *last;
}

bool WordCache::lookup(std::string_view word, std::vector<int32_t>& out) const {
  if (word.size() > kMaxWordBytes) return false;
  const uint64_t h = XXH3_64bits(word.data(), word.size());
  LocalEntry& e = local().slots[h & (kLocalSlots - 1)];
  if (e.hash == h && e.word == word) {
    out.insert(out.end(), e.ids.begin(), e.ids.end());
    return true;
  }
  Shard& s = shards_[(h >> 58) % kShards];
  {
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.map.find(word);
    if (it == s.map.end()) return false;
    e.ids.assign(it->second.begin(), it->second.end());
  }
  e.hash = h;
  e.word.assign(word);
  out.insert(out.end(), e.ids.begin(), e.ids.end());
  return true;
}

void WordCache::insert(std::string_view word, const int32_t* ids, size_t n) const {
  if (word.size() > kMaxWordBytes) return;
  const uint64_t h = XXH3_64bits(word.data(), word.size());
  LocalEntry& e = local().slots[h & (kLocalSlots - 1)];
  e.hash = h;
  e.word.assign(word);
  e.ids.assign(ids, ids + n);
  Shard& s = shards_[(h >> 58) % kShards];
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.map.size() < per_shard_) s.map.emplace(std::string(word), std::vector<int32_t>(ids, ids + n));
}

}  // namespace slimlm::tokenizer
