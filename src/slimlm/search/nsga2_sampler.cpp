#include "slimlm/search/nsga2_sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <bit>
#include <map>
#include <mutex>
#include <numeric>
#include <optional>
#include <utility>

#include "slimlm/core/error.h"
#include "slimlm/search/pareto.h"
#include "slimlm/search/random_sampler.h"

namespace slimlm::search {
namespace {

constexpr uint64_t kSalt = 0x4E534741;  // "NSGA"

// A trial that failed, or produced a NaN objective, ranks behind every
// trial that ran: infeasible with the largest possible violation.
bool usable(const Observation& o, size_t m) {
  if (o.failed || o.objectives.size() != m) return false;
  for (double v : o.objectives) {
    if (std::isnan(v)) return false;
  }
  return true;
}

double violation_of(const Observation& o, size_t m) {
  if (!usable(o, m) || std::isnan(o.violation)) return std::numeric_limits<double>::infinity();
  return std::max(o.violation, 0.0);
}

// The objective count of the study: that of the first trial that ran.
std::optional<size_t> objective_count(std::span<const Observation> history) {
  for (const Observation& o : history) {
    if (!o.failed) {
      if (o.objectives.empty()) throw Error("NSGA-II: a completed trial without objective values");
      return o.objectives.size();
    }
  }
  return std::nullopt;
}

using Member = Nsga2Sampler::Member;

// The best `keep` of `pool` by front, then crowding distance (descending);
// ties keep the history order so that replays agree.
std::vector<Member> select_best(std::span<const size_t> pool, std::span<const Observation> history,
                                size_t m, size_t keep) {
  std::vector<Point> points(pool.size());
  std::vector<double> violations(pool.size());
  for (size_t i = 0; i < pool.size(); ++i) {
    const Observation& o = history[pool[i]];
    if (!o.failed && !o.objectives.empty() && o.objectives.size() != m) {
      throw Error("NSGA-II: trials with " + std::to_string(o.objectives.size()) + " and " +
                  std::to_string(m) + " objective values in one study");
    }
    points[i] = usable(o, m) ? o.objectives : Point(m, 0.0);
    violations[i] = violation_of(o, m);
  }
  std::vector<Member> out;
  const auto fronts = non_dominated_sort(points, violations);
  for (size_t r = 0; r < fronts.size() && out.size() < keep; ++r) {
    const std::vector<size_t>& front = fronts[r];
    const std::vector<double> crowd = crowding_distance(points, front);
    std::vector<size_t> order(front.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return crowd[a] > crowd[b]; });
    for (size_t k = 0; k < order.size() && out.size() < keep; ++k) {
      out.push_back({pool[front[order[k]]], r, crowd[order[k]]});
    }
  }
  return out;
}

uint64_t fold(uint64_t h, uint64_t v) {
  // murmur3's finaliser over h ^ v: every input bit reaches every output bit.
  h ^= v + 0x9E3779B97F4A7C15ULL;
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  h *= 0xC4CEB99FE51A87E3ULL;
  return h ^ (h >> 33);
}

// A numeric parameter in the coordinates the operators work in: log space
// where the parameter is log-scaled.
struct Axis {
  bool numeric, log;
  double lo, hi;
};

std::vector<Axis> axes_of(const SearchSpace& space) {
  std::vector<Axis> axes;
  for (const Param& p : space.params()) {
    if (p.kind == Param::Kind::kCategorical) {
      axes.push_back({false, false, 0, 0});
    } else if (p.log) {
      axes.push_back({true, true, std::log(p.low), std::log(p.high)});
    } else {
      axes.push_back({true, false, p.low, p.high});
    }
  }
  return axes;
}

double beta_q(double rand, double beta, double eta) {
  const double alpha = 2.0 - std::pow(beta, -(eta + 1.0));
  return rand <= 1.0 / alpha ? std::pow(rand * alpha, 1.0 / (eta + 1.0))
                             : std::pow(1.0 / (2.0 - rand * alpha), 1.0 / (eta + 1.0));
}

// Bounded SBX as in Deb's NSGA-II code (realcross).
void sbx(double& a, double& b, const Axis& ax, double eta, Rng& rng) {
  if (rng.uniform() > 0.5 || std::abs(a - b) <= 1e-14) return;
  const double y1 = std::min(a, b), y2 = std::max(a, b);
  const double rand = rng.uniform();
  const double c1 = 0.5 * ((y1 + y2) - beta_q(rand, 1.0 + 2.0 * (y1 - ax.lo) / (y2 - y1), eta) * (y2 - y1));
  const double c2 = 0.5 * ((y1 + y2) + beta_q(rand, 1.0 + 2.0 * (ax.hi - y2) / (y2 - y1), eta) * (y2 - y1));
  const double lo = std::clamp(c1, ax.lo, ax.hi), hi = std::clamp(c2, ax.lo, ax.hi);
  if (rng.uniform() <= 0.5) {
    a = hi, b = lo;
  } else {
    a = lo, b = hi;
  }
}

// Polynomial mutation as in Deb's code (realmut).
double polynomial_mutation(double y, const Axis& ax, double eta, Rng& rng) {
  const double range = ax.hi - ax.lo;
  if (!(range > 0)) return y;
  const double d1 = (y - ax.lo) / range, d2 = (ax.hi - y) / range;
  const double rnd = rng.uniform(), power = 1.0 / (eta + 1.0);
  double dq;
  if (rnd <= 0.5) {
    const double val = 2.0 * rnd + (1.0 - 2.0 * rnd) * std::pow(1.0 - d1, eta + 1.0);
    dq = std::pow(val, power) - 1.0;
  } else {
    const double val = 2.0 * (1.0 - rnd) + 2.0 * (rnd - 0.5) * std::pow(1.0 - d2, eta + 1.0);
    dq = 1.0 - std::pow(val, power);
  }
  return std::clamp(y + dq * range, ax.lo, ax.hi);
}

}  // namespace

struct Nsga2Sampler::ReplayCache {
  struct Entry {
    uint64_t fingerprint;
    std::vector<Member> parents;
  };
  static constexpr size_t kEntries = 4;
  std::mutex mutex;
  std::vector<Entry> entries;  // most recent last
};

Nsga2Sampler::Nsga2Sampler(Nsga2Options options)
    : options_(options), cache_(std::make_unique<ReplayCache>()) {}

Nsga2Sampler::~Nsga2Sampler() = default;

std::vector<Nsga2Sampler::Member> Nsga2Sampler::replay(const SamplerContext& ctx) const {
  const size_t pop = population(ctx);
  const auto m = objective_count(ctx.history);
  if (!m) return {};
  std::map<int64_t, std::vector<size_t>> by_generation;
  for (size_t i = 0; i < ctx.history.size(); ++i) {
    if (ctx.history[i].generation < ctx.generation) by_generation[ctx.history[i].generation].push_back(i);
  }
  // Fingerprints of the replay after each generation: the selection sees
  // only indices, objectives, violations and failures, so that is what they
  // cover (not the parameters).
  std::vector<uint64_t> fingerprints;
  uint64_t h = fold(fold(0x4E534741, pop), *m);
  for (const auto& [generation, members] : by_generation) {
    h = fold(h, static_cast<uint64_t>(generation));
    for (size_t i : members) {
      const Observation& o = ctx.history[i];
      h = fold(fold(fold(h, i), o.failed), std::bit_cast<uint64_t>(o.violation));
      h = fold(h, o.objectives.size());
      for (double v : o.objectives) h = fold(h, std::bit_cast<uint64_t>(v));
    }
    fingerprints.push_back(h);
  }
  std::vector<Member> parents;
  size_t start = 0;
  {
    std::lock_guard lock(cache_->mutex);
    for (size_t g = fingerprints.size(); g-- > 0 && start == 0;) {
      for (const auto& e : cache_->entries) {
        if (e.fingerprint == fingerprints[g]) {
          parents = e.parents;
          start = g + 1;
          break;
        }
      }
    }
  }
  std::vector<size_t> pool;
  size_t g = 0;
  for (const auto& [generation, offspring] : by_generation) {
    if (g++ < start) continue;
    pool.clear();
    for (const Member& p : parents) pool.push_back(p.index);
    pool.insert(pool.end(), offspring.begin(), offspring.end());
    std::sort(pool.begin(), pool.end());
    parents = select_best(pool, ctx.history, *m, pop);
  }
  if (!fingerprints.empty() && start < fingerprints.size()) {
    std::lock_guard lock(cache_->mutex);
    auto& entries = cache_->entries;
    if (entries.size() == ReplayCache::kEntries) entries.erase(entries.begin());
    entries.push_back({fingerprints.back(), parents});
  }
  return parents;
}

size_t Nsga2Sampler::population(const SamplerContext& ctx) const {
  const size_t n = ctx.population > 0 ? ctx.population : options_.population;
  if (n < 2) throw ConfigError("NSGA-II: population must be at least 2, got " + std::to_string(n));
  return n;
}

std::vector<size_t> Nsga2Sampler::parents(const SamplerContext& ctx) const {
  std::vector<size_t> out;
  for (const Member& p : replay(ctx)) out.push_back(p.index);
  return out;
}

std::vector<Candidate> Nsga2Sampler::propose(const SamplerContext& ctx) const {
  const SearchSpace& space = ctx.space;
  auto uniform = [&](Rng& rng) { return sample_uniform(space, rng); };
  const std::vector<Member> parents = replay(ctx);
  if (parents.empty()) return collect_batch(ctx, kSalt, uniform, uniform);

  const std::vector<Axis> axes = axes_of(space);
  const size_t n = space.size();
  const double pm = options_.mutation_prob > 0 ? options_.mutation_prob : 1.0 / static_cast<double>(std::max<size_t>(n, 1));
  auto tournament = [&](Rng& rng) -> const Member& {
    const Member& a = parents[rng.below(parents.size())];
    const Member& b = parents[rng.below(parents.size())];
    if (b.rank < a.rank || (b.rank == a.rank && b.crowding > a.crowding)) return b;
    return a;
  };
  auto to_axis = [&](const Candidate& x) {
    Candidate y = space.clamp(x);
    for (size_t i = 0; i < n; ++i) {
      if (axes[i].log) y[i] = std::log(y[i]);
    }
    return y;
  };
  auto mutate_and_map_back = [&](Candidate y, Rng& rng) {
    for (size_t i = 0; i < n; ++i) {
      const Param& p = space.params()[i];
      if (rng.uniform() < pm) {
        if (axes[i].numeric) {
          y[i] = polynomial_mutation(y[i], axes[i], options_.eta_mutation, rng);
        } else if (p.choices.size() > 1) {
          // Random reset to one of the other choices.
          const auto other = static_cast<double>(rng.below(p.choices.size() - 1));
          y[i] = other >= y[i] ? other + 1 : other;
        }
      }
      if (axes[i].log) y[i] = std::exp(y[i]);
    }
    return space.clamp(std::move(y));
  };
  // Each mating gives two children; the second waits for the next draw.
  std::optional<Candidate> spare;
  auto breed = [&](Rng& rng) -> Candidate {
    if (spare) {
      Candidate c = std::move(*spare);
      spare.reset();
      return c;
    }
    Candidate a = to_axis(ctx.history[tournament(rng).index].x);
    Candidate b = to_axis(ctx.history[tournament(rng).index].x);
    if (rng.uniform() < options_.crossover_prob) {
      for (size_t i = 0; i < n; ++i) {
        if (axes[i].numeric) {
          sbx(a[i], b[i], axes[i], options_.eta_crossover, rng);
        } else if (rng.uniform() < 0.5) {
          std::swap(a[i], b[i]);  // uniform crossover
        }
      }
    }
    Candidate first = mutate_and_map_back(std::move(a), rng);
    spare = mutate_and_map_back(std::move(b), rng);
    return first;
  };
  return collect_batch(ctx, kSalt, breed, uniform);
}

}  // namespace slimlm::search
