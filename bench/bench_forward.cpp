// Speed of the exact f32 forward pass on the benchmark model (issue #5):
// prefill (score of one 512-token row) and decode (tokens generated one at a
// time through the KV cache, as llama-bench's tg128), read against the
// machine's limits measured in the same process just before: the best f32
// sgemm rate (OpenBLAS through kernels::matmul_f32) and the memory-copy
// bandwidth.
//
//   SLIMLM_DATA=../shared/data build/bench/bench_forward [--benchmark_min_time=2]
//   model: $SLIMLM_BENCH_MODEL, else $SLIMLM_DATA/models/bench-llama-26m;
//   threads: all, or $SLIMLM_THREADS.
//
// Counters: tok/s; prefill GFLOP/s and frac_sgemm_peak; decode GB/s of
// weights streamed and frac_bw_bound = tok/s over (copy bandwidth / weight
// bytes per token). Bandwidth follows STREAM's copy: read + written bytes.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <vector>

#include "slimlm/core/threads.h"
#include "slimlm/core/timer.h"
#include "slimlm/kernels/cpu/matmul.h"
#include "slimlm/model/model.h"

namespace {

using slimlm::model::Model;

double g_sgemm_peak = 0;  // GFLOP/s, best of BM_SgemmPeak
double g_copy_bw = 0;     // GB/s, best of BM_CopyBandwidth

std::filesystem::path model_dir() {
  if (const char* m = std::getenv("SLIMLM_BENCH_MODEL"); m && *m) return m;
  const char* data = std::getenv("SLIMLM_DATA");
  return std::filesystem::path(data && *data ? data : "../shared/data") / "models" /
         "bench-llama-26m";
}

const Model* bench_model() {
  static const std::unique_ptr<Model> m = []() -> std::unique_ptr<Model> {
    if (!std::filesystem::exists(model_dir() / "config.json")) return nullptr;
    return Model::load(model_dir());
  }();
  return m.get();
}

std::vector<int32_t> random_tokens(int64_t n, int64_t vocab) {
  std::mt19937 rng(42);
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (auto& t : ids) t = static_cast<int32_t>(rng() % static_cast<uint64_t>(vocab));
  return ids;
}

// Parameters that go through a matrix product per token: everything but the
// embedding table (unless it doubles as the tied lm_head) and the norms.
double linear_params(const Model& m) {
  double p = 0;
  for (const auto& l : m.weights().layers) {
    for (const auto* lin : {l.q.get(), l.k.get(), l.v.get(), l.o.get(), l.gate.get(), l.up.get(),
                            l.down.get()}) {
      p += static_cast<double>(lin->parameter_count());
    }
  }
  return p + static_cast<double>(m.weights().lm_head->parameter_count());
}

// FLOPs of one forward pass over T tokens of one row: 2 per multiply-add of
// every projection, of the lm_head for the `logit_rows` rows that get
// logits, and of causal attention (q·k and p·v over the keys token t sees,
// per head).
double forward_flops(const Model& m, int64_t T, int64_t logit_rows) {
  const auto& c = m.config();
  double attn = 0;
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    for (int64_t t = 0; t < T; ++t) {
      const int64_t w = m.layer_window(l);
      const int64_t keys = w > 0 ? std::min(t + 1, w) : t + 1;
      attn += 4.0 * static_cast<double>(keys * c.head_dim * c.num_attention_heads);
    }
  }
  const double head = static_cast<double>(m.weights().lm_head->parameter_count());
  return 2.0 * (linear_params(m) - head) * static_cast<double>(T) +
         2.0 * head * static_cast<double>(logit_rows) + attn;
}

// Bytes of weights one decode step reads: every Linear, the norms, one
// embedding row.
double decode_bytes(const Model& m) {
  const auto& w = m.weights();
  const double embed_row = static_cast<double>(m.config().hidden_size) * 4.0;
  double b = static_cast<double>(m.weight_bytes()) - static_cast<double>(w.embed.nbytes()) + embed_row;
  if (w.tied) b += static_cast<double>(w.embed.nbytes());  // the head reads the whole table
  return b;
}

void BM_SgemmPeak(benchmark::State& state) {
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  std::vector<float> x(static_cast<size_t>(M * K), 0.5f), w(static_cast<size_t>(N * K), 0.25f),
      y(static_cast<size_t>(M * N));
  const double flops = 2.0 * static_cast<double>(M) * static_cast<double>(N) * static_cast<double>(K);
  slimlm::Timer t;
  for (auto _ : state) {
    slimlm::kernels::matmul_f32(x.data(), w.data(), y.data(), M, N, K);
    benchmark::DoNotOptimize(y.data());
  }
  const double rate = flops * static_cast<double>(state.iterations()) / t.seconds() / 1e9;
  g_sgemm_peak = std::max(g_sgemm_peak, rate);
  state.counters["GFLOP/s"] = rate;
  state.counters["threads"] = slimlm::num_threads();
}
// The prefill's own shapes at 512 tokens and a large square one; the peak is
// the best of them.
BENCHMARK(BM_SgemmPeak)
    ->Args({512, 1536, 512})
    ->Args({512, 8192, 512})
    ->Args({2048, 2048, 2048})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_CopyBandwidth(benchmark::State& state) {
  const auto bytes = static_cast<size_t>(state.range(0)) << 20;
  std::vector<char> src(bytes, 1), dst(bytes, 0);
  const auto n = static_cast<int64_t>(bytes);
  const int64_t grain = std::max<int64_t>(int64_t{1} << 20, n / (4 * slimlm::num_threads()));
  slimlm::Timer t;
  for (auto _ : state) {
    slimlm::parallel_for(0, n, grain, [&](int64_t b, int64_t e) {
      std::memcpy(dst.data() + b, src.data() + b, static_cast<size_t>(e - b));
    });
    benchmark::DoNotOptimize(dst.data());
  }
  const double bw = 2.0 * static_cast<double>(bytes) * static_cast<double>(state.iterations()) /
                    t.seconds() / 1e9;
  g_copy_bw = std::max(g_copy_bw, bw);
  state.counters["GB/s"] = bw;
}
// 1 GiB: far past every cache level (this CPU has a large L3).
BENCHMARK(BM_CopyBandwidth)->Arg(1024)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Prefill(benchmark::State& state) {
  const Model* m = bench_model();
  if (!m) return state.SkipWithError(("no model at " + model_dir().string()).c_str());
  const int64_t T = state.range(0);
  const auto ids = random_tokens(T, m->vocab_size());
  slimlm::Timer t;
  for (auto _ : state) {
    const slimlm::Tensor logits = m->score(ids, 1, T);
    benchmark::DoNotOptimize(logits.raw_data());
  }
  const double tps = static_cast<double>(T * state.iterations()) / t.seconds();
  const double gflops = forward_flops(*m, T, T) / static_cast<double>(T) * tps / 1e9;
  state.counters["tok/s"] = tps;
  state.counters["GFLOP/s"] = gflops;
  if (g_sgemm_peak > 0) state.counters["frac_sgemm_peak"] = gflops / g_sgemm_peak;
  state.counters["threads"] = slimlm::num_threads();
}
BENCHMARK(BM_Prefill)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();

// The same prompt pushed through decode() into an empty KV cache, as a
// generation's prompt phase (and llama-bench's pp) runs.
void BM_PrefillCache(benchmark::State& state) {
  const Model* m = bench_model();
  if (!m) return state.SkipWithError(("no model at " + model_dir().string()).c_str());
  const int64_t T = state.range(0);
  const auto ids = random_tokens(T, m->vocab_size());
  auto cache = m->new_cache(T);
  slimlm::Timer t;
  for (auto _ : state) {
    cache->clear();
    const slimlm::Tensor logits = m->decode(*cache, ids);
    benchmark::DoNotOptimize(logits.raw_data());
  }
  const double tps = static_cast<double>(T * state.iterations()) / t.seconds();
  // Logits of the last token only, as a generation's prompt needs.
  const double gflops = forward_flops(*m, T, 1) / static_cast<double>(T) * tps / 1e9;
  state.counters["tok/s"] = tps;
  state.counters["GFLOP/s"] = gflops;
  if (g_sgemm_peak > 0) state.counters["frac_sgemm_peak"] = gflops / g_sgemm_peak;
  state.counters["threads"] = slimlm::num_threads();
}
BENCHMARK(BM_PrefillCache)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Decode(benchmark::State& state) {
  const Model* m = bench_model();
  if (!m) return state.SkipWithError(("no model at " + model_dir().string()).c_str());
  const int64_t n = state.range(0);
  const auto ids = random_tokens(n, m->vocab_size());
  auto cache = m->new_cache(n);
  slimlm::Timer t;
  for (auto _ : state) {
    cache->clear();
    for (int64_t i = 0; i < n; ++i) {
      const slimlm::Tensor logits = m->decode(*cache, std::span(ids).subspan(static_cast<size_t>(i), 1));
      benchmark::DoNotOptimize(logits.raw_data());
    }
  }
  const double tps = static_cast<double>(n * state.iterations()) / t.seconds();
  const double bytes = decode_bytes(*m);
  state.counters["tok/s"] = tps;
  state.counters["GB/s"] = bytes * tps / 1e9;
  if (g_copy_bw > 0) state.counters["frac_bw_bound"] = tps / (g_copy_bw * 1e9 / bytes);
  state.counters["weight_MB"] = bytes / 1e6;
  state.counters["threads"] = slimlm::num_threads();
}
BENCHMARK(BM_Decode)->Arg(128)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
