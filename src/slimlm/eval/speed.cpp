#include "slimlm/eval/speed.h"

#include <fmt/format.h>

#include <random>

#include "slimlm/core/error.h"
#include "slimlm/core/timer.h"
#include "slimlm/model/model.h"

namespace slimlm::eval {
namespace {

std::vector<int32_t> random_tokens(int64_t n, int64_t vocab, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (auto& t : ids) t = static_cast<int32_t>(rng() % static_cast<uint64_t>(vocab));
  return ids;
}

template <class Fn>
SpeedResult run(SpeedKind kind, std::string test, int64_t n_tokens, int64_t batch,
                const SpeedOptions& opts, Fn&& once) {
  if (opts.repetitions < 1) throw ConfigError("-r/--repetitions must be >= 1");
  SpeedResult r;
  r.kind = kind;
  r.test = std::move(test);
  r.n_tokens = n_tokens;
  r.batch = batch;
  for (int i = 0; i < opts.warmup; ++i) once();
  for (int i = 0; i < opts.repetitions; ++i) {
    const double s = once();
    r.seconds.push_back(s);
    r.tps.push_back(s > 0 ? static_cast<double>(n_tokens * batch) / s : 0.0);
  }
  r.rate = mean_sd(r.tps);
  return r;
}

}  // namespace

double SpeedResult::mean_seconds() const { return mean_sd(seconds).mean; }

SpeedResult bench_prefill(const model::Model& m, int64_t n_prompt, int64_t batch,
                          const SpeedOptions& opts) {
  if (n_prompt < 1) throw ConfigError("-p/--n-prompt must be >= 1");
  if (batch < 1) throw ConfigError("-b/--batch must be >= 1");
  const std::vector<int32_t> ids = random_tokens(n_prompt * batch, m.vocab_size(), opts.seed);
  auto once = [&]() {
    if (batch == 1) {
      auto cache = m.new_cache(n_prompt);
      Timer t;
      const Tensor logits = m.decode(*cache, ids);
      return t.seconds();
    }
    Timer t;
    const Tensor logits = m.score(ids, batch, n_prompt);
    return t.seconds();
  };
  return run(SpeedKind::kPrefill, fmt::format("pp{}", n_prompt), n_prompt, batch, opts, once);
}

SpeedResult bench_decode(const model::Model& m, int64_t n_gen, const SpeedOptions& opts) {
  if (n_gen < 1) throw ConfigError("-n/--n-gen must be >= 1");
  const std::vector<int32_t> ids = random_tokens(n_gen, m.vocab_size(), opts.seed + 1);
  auto cache = m.new_cache(n_gen);
  auto once = [&]() {
    cache->clear();
    Timer t;
    for (int64_t i = 0; i < n_gen; ++i) {
      const Tensor logits = m.decode(*cache, std::span(ids).subspan(static_cast<size_t>(i), 1));
    }
    return t.seconds();
  };
  return run(SpeedKind::kDecode, fmt::format("tg{}", n_gen), n_gen, 1, opts, once);
}

}  // namespace slimlm::eval
