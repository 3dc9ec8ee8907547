#include "slimlm/model/sampler.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_set>

#include "slimlm/core/error.h"

namespace slimlm::model {
namespace {

struct Candidate {
  int32_t id;
  float logit;
};

// Descending logit, then ascending id: a total order, so the result never
// depends on the sort algorithm.
bool before(const Candidate& a, const Candidate& b) {
  if (a.logit != b.logit) return a.logit > b.logit;
  return a.id < b.id;
}

// A uniform double in [0, 1) from 53 random bits: the same stream gives the
// same draws on every platform (std::uniform_real_distribution does not
// promise that).
double uniform01(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

void validate(const SamplerParams& p) {
  if (!std::isfinite(p.temperature)) throw ConfigError("--temp must be a finite number");
  if (!(p.top_p > 0.0f)) throw ConfigError(fmt::format("--top-p must be > 0 (got {})", p.top_p));
  if (!(p.min_p >= 0.0f && p.min_p <= 1.0f)) {
    throw ConfigError(fmt::format("--min-p must be in [0, 1] (got {})", p.min_p));
  }
  if (!(p.repeat_penalty > 0.0f) || !std::isfinite(p.repeat_penalty)) {
    throw ConfigError(fmt::format("--repeat-penalty must be > 0 (got {})", p.repeat_penalty));
  }
  if (p.repeat_last_n < -1) {
    throw ConfigError(fmt::format("--repeat-last-n must be >= -1 (got {})", p.repeat_last_n));
  }
}

std::string describe(const SamplerParams& p) {
  if (p.greedy()) return "greedy";
  std::string s = fmt::format("temp {:.2f}, top-k {}, top-p {:.2f}", p.temperature,
                              p.top_k > 0 ? std::to_string(p.top_k) : std::string("off"), p.top_p);
  if (p.min_p > 0.0f) s += fmt::format(", min-p {:.2f}", p.min_p);
  if (p.repeat_penalty != 1.0f) {
    s += fmt::format(", repeat-penalty {:.2f} over {}", p.repeat_penalty,
                     p.repeat_last_n < 0 ? std::string("all") : std::to_string(p.repeat_last_n));
  }
  return s + fmt::format(", seed {}", p.seed);
}

int32_t argmax(std::span<const float> logits) {
  if (logits.empty()) return -1;
  int32_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i) {
    if (logits[i] > logits[static_cast<size_t>(best)]) best = static_cast<int32_t>(i);
  }
  return best;
}

Sampler::Sampler(SamplerParams params) : params_(params), rng_(params.seed) { validate(params_); }

void Sampler::reset(uint64_t seed) {
  params_.seed = seed;
  rng_.seed(seed);
  history_.clear();
}

void Sampler::accept(int32_t token) {
  if (params_.repeat_penalty == 1.0f || params_.repeat_last_n == 0) return;
  history_.push_back(token);
  if (params_.repeat_last_n > 0 && history_.size() > static_cast<size_t>(params_.repeat_last_n)) {
    history_.pop_front();
  }
}

void Sampler::accept(std::span<const int32_t> tokens) {
  for (int32_t t : tokens) accept(t);
}

std::vector<TokenProb> Sampler::distribution(std::span<const float> logits) const {
  if (logits.empty()) throw Error("sampler: empty logits row");
  const size_t V = logits.size();

  std::vector<Candidate> cand(V);
  for (size_t i = 0; i < V; ++i) cand[i] = {static_cast<int32_t>(i), logits[i]};

  if (params_.repeat_penalty != 1.0f && !history_.empty()) {
    const std::unordered_set<int32_t> seen(history_.begin(), history_.end());
    for (int32_t id : seen) {
      if (id < 0 || static_cast<size_t>(id) >= V) continue;
      float& l = cand[static_cast<size_t>(id)].logit;
      l = l > 0.0f ? l / params_.repeat_penalty : l * params_.repeat_penalty;
    }
  }

  // NaN logits would poison every comparison; they never win.
  for (auto& c : cand) {
    if (std::isnan(c.logit)) c.logit = -std::numeric_limits<float>::infinity();
  }

  if (params_.greedy()) {
    const auto best = std::min_element(cand.begin(), cand.end(), before);
    return {{best->id, 1.0}};
  }

  const float inv_t = 1.0f / params_.temperature;
  for (auto& c : cand) c.logit *= inv_t;

  size_t k = params_.top_k > 0 ? std::min(V, static_cast<size_t>(params_.top_k)) : V;
  if (k < V) {
    std::partial_sort(cand.begin(), cand.begin() + static_cast<std::ptrdiff_t>(k), cand.end(), before);
    cand.resize(k);
  } else {
    std::sort(cand.begin(), cand.end(), before);
  }
  if (!std::isfinite(cand.front().logit)) {
    throw Error("sampler: the logits row has no finite value");
  }

  // Softmax in f64 over the survivors (the filtered ones are -inf).
  const double top = cand.front().logit;
  std::vector<double> p(cand.size());
  double sum = 0.0;
  for (size_t i = 0; i < cand.size(); ++i) {
    p[i] = std::exp(static_cast<double>(cand[i].logit) - top);
    sum += p[i];
  }
  for (double& x : p) x /= sum;

  size_t keep = cand.size();
  if (params_.top_p < 1.0f) {
    double cum = 0.0;
    for (size_t i = 0; i < keep; ++i) {
      cum += p[i];
      if (cum >= static_cast<double>(params_.top_p)) {
        keep = i + 1;
        break;
      }
    }
  }
  if (params_.min_p > 0.0f) {
    const double floor = static_cast<double>(params_.min_p) * p[0];
    size_t n = 1;
    while (n < keep && p[n] >= floor) ++n;
    keep = n;
  }

  double kept = 0.0;
  for (size_t i = 0; i < keep; ++i) kept += p[i];
  std::vector<TokenProb> out(keep);
  for (size_t i = 0; i < keep; ++i) out[i] = {cand[i].id, p[i] / kept};
  return out;
}

int32_t Sampler::sample(std::span<const float> logits) {
  const std::vector<TokenProb> dist = distribution(logits);
  if (dist.size() == 1) return dist.front().id;
  const double u = uniform01(rng_);
  double cum = 0.0;
  for (const auto& tp : dist) {
    cum += tp.p;
    if (u < cum) return tp.id;
  }
  return dist.back().id;  // u landed in the rounding gap at the top
}

}  // namespace slimlm::model
