#pragma once
// Samplers propose the next candidates of a study. They are STATELESS
// functions of (space, history, seed, generation): a study killed midway
// reloads its history from the registry and proposes exactly what the
// uninterrupted run would have.
//
// Batches and resume: history entries whose generation is >= ctx.generation
// are taken as members of the batch being proposed that were already
// evaluated. A sampler models only the history before ctx.generation and
// draws its batch as one deterministic sequence; the entries of the
// generation already in history are dropped from that sequence and the next
// `count` are returned. So proposing 20, evaluating 8, dying, and proposing
// 12 with those 8 in history gives the last 12 of the original 20.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/search/rng.h"
#include "slimlm/search/search_space.h"

namespace slimlm::search {

struct Observation {
  Candidate x{};
  std::vector<double> objectives{};  // minimisation form; empty when failed
  double violation = 0;            // >= 0, 0 = feasible (constraints met)
  bool failed = false;
  int64_t generation = 0;
};

struct SamplerContext {
  const SearchSpace& space;
  std::span<const Observation> history;  // all trials so far in creation order,
                                         // failed ones included
  size_t count;                          // how many candidates are wanted
  uint64_t seed;
  int64_t generation;
  size_t population = 0;  // NSGA-II population (0: the sampler's option)
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual std::string_view name() const = 0;
  // The next batch of `count` candidates (fewer if the space is exhausted):
  // clamped, none whose key is already in history, none twice. Deterministic
  // given the context.
  virtual std::vector<Candidate> propose(const SamplerContext& ctx) const = 0;
};

// "grid", "random", "nsga2", "tpe" with their options (sampler_registry.cpp
// lists them); ConfigError naming the sampler or the option otherwise.
std::unique_ptr<Sampler> make_sampler(std::string_view name,
                                      const nlohmann::json& options = nlohmann::json::object());
// "grid, random, nsga2, tpe".
std::string sampler_list();

// ---- Building blocks shared by the samplers ----------------------------

// A set of snapped candidates (exact equality of the clamped values, which is
// what SearchSpace::key compares, without formatting strings).
class CandidateSet {
 public:
  explicit CandidateSet(const SearchSpace& space) : space_(&space) {}
  // Inserts the clamped candidate; false if it was already there.
  bool insert(const Candidate& c);
  bool contains(const Candidate& c) const;
  size_t size() const { return set_.size(); }
  void reserve(size_t n) { set_.reserve(n); }

 private:
  struct Hash {
    size_t operator()(const Candidate& c) const;
  };
  const SearchSpace* space_;
  std::unordered_set<Candidate, Hash> set_;
};

// How many draws in a row may be rejected as duplicates before a sampler
// falls back to uniform draws, and then gives up on the slot.
inline constexpr int kMaxResamples = 64;

// The batch of ctx.generation by the rule in the banner: draws from `draw`
// (then from `fallback` after kMaxResamples rejections in a row) on one
// stream seeded by (ctx.seed, ctx.generation, salt), rejecting candidates of
// earlier generations and repeats, until count + (already evaluated members
// of this generation) are found; returns those not yet evaluated, at most
// ctx.count.
std::vector<Candidate> collect_batch(const SamplerContext& ctx, uint64_t salt,
                                     const std::function<Candidate(Rng&)>& draw,
                                     const std::function<Candidate(Rng&)>& fallback);

// The observations the samplers model: those before ctx.generation.
std::vector<const Observation*> history_before(const SamplerContext& ctx);

// Options of one sampler: read with defaults, then reject unknown keys
// (ConfigError naming the sampler and the key).
class SamplerOptions {
 public:
  SamplerOptions(std::string_view sampler, const nlohmann::json& options);
  double number(std::string_view key, double fallback);
  int64_t integer(std::string_view key, int64_t fallback);
  bool boolean(std::string_view key, bool fallback);
  void finish() const;  // throws on keys nobody asked for

 private:
  const nlohmann::json* find(std::string_view key);
  std::string sampler_;
  nlohmann::json options_;
  std::vector<std::string> used_;
};

}  // namespace slimlm::search
