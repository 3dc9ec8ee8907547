#include "slimlm/search/sampler.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::search {

size_t CandidateSet::Hash::operator()(const Candidate& c) const {
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ c.size();
  for (double v : c) {
    h ^= std::bit_cast<uint64_t>(v) + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
  }
  return static_cast<size_t>(h);
}

bool CandidateSet::insert(const Candidate& c) { return set_.insert(space_->clamp(c)).second; }

bool CandidateSet::contains(const Candidate& c) const { return set_.count(space_->clamp(c)) > 0; }

std::vector<const Observation*> history_before(const SamplerContext& ctx) {
  std::vector<const Observation*> out;
  for (const Observation& o : ctx.history) {
    if (o.generation < ctx.generation) out.push_back(&o);
  }
  return out;
}

std::vector<Candidate> collect_batch(const SamplerContext& ctx, uint64_t salt,
                                     const std::function<Candidate(Rng&)>& draw,
                                     const std::function<Candidate(Rng&)>& fallback) {
  CandidateSet before(ctx.space), evaluated_now(ctx.space), drawn(ctx.space);
  before.reserve(ctx.history.size());
  for (const Observation& o : ctx.history) {
    (o.generation < ctx.generation ? before : evaluated_now).insert(o.x);
  }
  Rng rng(mix_seed(ctx.seed, static_cast<uint64_t>(ctx.generation), salt));
  std::vector<Candidate> out;
  // The sequence of accepted draws depends only on the history before this
  // generation, so members already evaluated are skipped, not redrawn.
  while (out.size() < ctx.count) {
    bool accepted = false;
    for (int attempt = 0; attempt < 2 * kMaxResamples && !accepted; ++attempt) {
      Candidate c = ctx.space.clamp(attempt < kMaxResamples ? draw(rng) : fallback(rng));
      if (before.contains(c) || !drawn.insert(c)) continue;
      accepted = true;
      if (!evaluated_now.contains(c)) out.push_back(std::move(c));
    }
    if (!accepted) break;  // the space is (nearly) exhausted
  }
  return out;
}

SamplerOptions::SamplerOptions(std::string_view sampler, const nlohmann::json& options)
    : sampler_(sampler), options_(options.is_null() ? nlohmann::json::object() : options) {
  if (!options_.is_object()) {
    throw ConfigError(fmt::format("sampler '{}': options must be a mapping, got {}", sampler_,
                                  options_.dump()));
  }
}

const nlohmann::json* SamplerOptions::find(std::string_view key) {
  used_.emplace_back(key);
  const auto it = options_.find(std::string(key));
  return it == options_.end() ? nullptr : &*it;
}

double SamplerOptions::number(std::string_view key, double fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_number() || !std::isfinite(v->get<double>())) {
    throw ConfigError(fmt::format("sampler '{}': option '{}' must be a number, got {}", sampler_,
                                  key, v->dump()));
  }
  return v->get<double>();
}

int64_t SamplerOptions::integer(std::string_view key, int64_t fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_number_integer() || v->get<int64_t>() < 0) {
    throw ConfigError(fmt::format("sampler '{}': option '{}' must be a non-negative integer, got {}",
                                  sampler_, key, v->dump()));
  }
  return v->get<int64_t>();
}

bool SamplerOptions::boolean(std::string_view key, bool fallback) {
  const nlohmann::json* v = find(key);
  if (!v) return fallback;
  if (!v->is_boolean()) {
    throw ConfigError(fmt::format("sampler '{}': option '{}' must be true or false, got {}",
                                  sampler_, key, v->dump()));
  }
  return v->get<bool>();
}

void SamplerOptions::finish() const {
  for (const auto& [key, value] : options_.items()) {
    if (std::find(used_.begin(), used_.end(), key) == used_.end()) {
      throw ConfigError(fmt::format("sampler '{}': unknown option '{}' (known: {})", sampler_, key,
                                    used_.empty() ? std::string("none") : fmt::format("{}", fmt::join(used_, ", "))));
    }
  }
}

}  // namespace slimlm::search
