// The machine's limits that slimlm's speed is read against (issue #5): the
// f32 sgemm rate of the prefill path (kernels::matmul_f32 = OpenBLAS sgemm)
// on shapes like a model's projections at 512 tokens, and the memory-copy
// bandwidth that bounds decode. Counters: GFLOP/s and GB/s (read + write).
//   bench_peaks --benchmark_min_time=1 [--threads N via SLIMLM_THREADS]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "slimlm/core/threads.h"
#include "slimlm/kernels/cpu/matmul.h"

namespace {

void fill(std::vector<float>& v, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-1.f, 1.f);
  for (auto& x : v) x = d(rng);
}

// y[M,N] = x[M,K] · w[N,K]^T, as a Linear layer over M tokens.
void BM_Sgemm(benchmark::State& state) {
  const int64_t M = state.range(0), N = state.range(1), K = state.range(2);
  std::vector<float> x(static_cast<size_t>(M * K)), w(static_cast<size_t>(N * K)), y(static_cast<size_t>(M * N));
  fill(x, 1);
  fill(w, 2);
  for (auto _ : state) {
    slimlm::kernels::matmul_f32(x.data(), w.data(), y.data(), M, N, K);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(M * N * K),
                                                 benchmark::Counter::kIsIterationInvariantRate,
                                                 benchmark::Counter::kIs1000);
  state.counters["threads"] = slimlm::num_threads();
}
// bench-llama-26m at 512 tokens: q/o 512x512, k/v 128x512, gate/up 1536x512,
// down 512x1536, lm_head 8192x512; plus a square 2048 reference.
BENCHMARK(BM_Sgemm)
    ->Args({512, 512, 512})
    ->Args({512, 128, 512})
    ->Args({512, 1536, 512})
    ->Args({512, 512, 1536})
    ->Args({512, 8192, 512})
    ->Args({512, 2048, 2048})
    ->Args({2048, 2048, 2048})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// The decode path: one token through the GEMV.
void BM_Gemv(benchmark::State& state) {
  const int64_t N = state.range(0), K = state.range(1);
  std::vector<float> x(static_cast<size_t>(K)), w(static_cast<size_t>(N * K)), y(static_cast<size_t>(N));
  fill(x, 1);
  fill(w, 2);
  for (auto _ : state) {
    slimlm::kernels::gemv_f32(w.data(), x.data(), y.data(), N, K);
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["GB/s"] = benchmark::Counter(4.0 * static_cast<double>(N * K),
                                              benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
}
BENCHMARK(BM_Gemv)->Args({8192, 512})->Args({1536, 512})->Args({8192, 8192})->UseRealTime();

// memcpy of a buffer far larger than the caches, split across the threads.
void BM_Memcpy(benchmark::State& state) {
  const auto bytes = static_cast<size_t>(state.range(0)) << 20;
  std::vector<char> src(bytes, 1), dst(bytes, 0);
  const auto n = static_cast<int64_t>(bytes);
  const int64_t grain = std::max<int64_t>(int64_t{1} << 20, n / (4 * slimlm::num_threads()));
  for (auto _ : state) {
    slimlm::parallel_for(0, n, grain, [&](int64_t b, int64_t e) {
      std::memcpy(dst.data() + b, src.data() + b, static_cast<size_t>(e - b));
    });
    benchmark::DoNotOptimize(dst.data());
  }
  state.counters["GB/s"] = benchmark::Counter(2.0 * static_cast<double>(bytes),
                                              benchmark::Counter::kIsIterationInvariantRate,
                                              benchmark::Counter::kIs1000);
  state.counters["threads"] = slimlm::num_threads();
}
// 64 MiB and 256 MiB stay in a large L3 (480 MiB on the CI machine); 2 GiB reaches DRAM.
BENCHMARK(BM_Memcpy)->Arg(64)->Arg(256)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
