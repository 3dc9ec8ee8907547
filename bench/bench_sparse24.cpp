// 2:4 sparse products (kernels/cpu/sparse24.h) against the dense f32 ones
// they would replace, on the same weights (half of them zero).
//   gemv/dense/<isa>/<N>x<K>              decode baseline: dense f32 GEMV
//   gemv/sparse24/<isa>/<N>x<K>           decode: the rows kernel
//   matmul/dense/sgemm/<N>x<K>/M          prefill baseline: OpenBLAS sgemm
//   matmul/sparse24/<path>/<N>x<K>/M      prefill: sparse gemm or decompress + sgemm
// bytes_per_second counts the weight bytes read (values + positions for
// 2:4); GFLOPs counts the dense 2·M·N·K for every row so that the rates
// compare as speed-ups. Shapes: the bench model's attention and MLP
// projections and a 4096x4096 one that no longer fits in L2.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "slimlm/core/cpu_features.h"
#include "slimlm/kernels/cpu/matmul.h"
#include "slimlm/kernels/cpu/sparse24.h"

namespace slimlm {
namespace {

using kernels::Sparse24Path;

bool supported(Isa isa) {
  const auto& f = cpu_features();
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return f.avx2 && f.fma && f.f16c;
    case Isa::kAvx512: return f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
  }
  return false;
}

std::vector<float> normal(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 1.f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Dense weights with the two smallest of every 4 zeroed (magnitude 2:4).
std::vector<float> weights_24(int64_t N, int64_t K) {
  auto w = normal(static_cast<size_t>(N * K), 1);
  for (size_t g = 0; g < w.size(); g += 4) {
    for (int drop = 0; drop < 2; ++drop) {
      size_t s = g;
      for (size_t i = g; i < g + 4; ++i) {
        if (w[i] != 0.0f && (w[s] == 0.0f || std::abs(w[i]) < std::abs(w[s]))) s = i;
      }
      w[s] = 0.0f;
    }
  }
  return w;
}

struct Packed {
  std::vector<float> values;
  std::vector<uint8_t> indices;
  kernels::Sparse24View view;
  uint64_t bytes() const { return values.size() * 4 + indices.size(); }
};

Packed pack(const std::vector<float>& w, int64_t N, int64_t K) {
  Packed p;
  p.values.resize(static_cast<size_t>(N * K / 2));
  p.indices.resize(static_cast<size_t>(N * kernels::sparse24_index_bytes(K)));
  kernels::sparse24_pack(w.data(), N, K, p.values.data(), p.indices.data());
  p.view = {p.values.data(), p.indices.data(), N, K};
  return p;
}

void set_counters(benchmark::State& state, uint64_t weight_bytes, int64_t M, int64_t N, int64_t K) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * weight_bytes));
  state.counters["GFLOPs"] = benchmark::Counter(
      2.0 * static_cast<double>(M * N * K) * static_cast<double>(state.iterations()) * 1e-9,
      benchmark::Counter::kIsRate);
}

void dense_bench(benchmark::State& state, Isa isa, int64_t N, int64_t K, int64_t M) {
  if (!supported(isa)) {
    state.SkipWithError("CPU lacks this ISA");
    return;
  }
  const auto w = weights_24(N, K);
  const auto x = normal(static_cast<size_t>(M * K), 2);
  std::vector<float> y(static_cast<size_t>(M * N));
  for (auto _ : state) {
    if (M == 1) {
      kernels::gemv_f32(w.data(), x.data(), y.data(), N, K, isa);
    } else {
      kernels::matmul_f32(x.data(), w.data(), y.data(), M, N, K);
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, static_cast<uint64_t>(N * K) * 4, M, N, K);
}

void sparse_bench(benchmark::State& state, Isa isa, Sparse24Path path, int64_t N, int64_t K,
                  int64_t M) {
  if (!supported(isa)) {
    state.SkipWithError("CPU lacks this ISA");
    return;
  }
  const Packed p = pack(weights_24(N, K), N, K);
  const auto x = normal(static_cast<size_t>(M * K), 2);
  std::vector<float> y(static_cast<size_t>(M * N));
  for (auto _ : state) {
    kernels::sparse24_matmul(p.view, x.data(), y.data(), M, isa, path);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, p.bytes(), M, N, K);
}

void register_all() {
  const std::pair<int64_t, int64_t> shapes[] = {{512, 512}, {1536, 512}, {512, 1536}, {4096, 4096}};
  for (auto [N, K] : shapes) {
    const std::string shape = std::to_string(N) + "x" + std::to_string(K);
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
      const std::string isa_name(to_string(isa));
      benchmark::RegisterBenchmark(("gemv/dense/" + isa_name + "/" + shape).c_str(),
                                   [=](benchmark::State& s) { dense_bench(s, isa, N, K, 1); })
          ->UseRealTime();
      benchmark::RegisterBenchmark(
          ("gemv/sparse24/" + isa_name + "/" + shape).c_str(),
          [=](benchmark::State& s) { sparse_bench(s, isa, Sparse24Path::kRows, N, K, 1); })
          ->UseRealTime();
    }
    if (N == 4096) continue;  // prefill on the model's shapes only
    for (int64_t M : {4, 16, 64, 512}) {
      const std::string m = "/" + std::to_string(M);
      benchmark::RegisterBenchmark(("matmul/dense/sgemm/" + shape + m).c_str(),
                                   [=](benchmark::State& s) { dense_bench(s, best_isa(), N, K, M); })
          ->UseRealTime();
      for (Sparse24Path p : {Sparse24Path::kRows, Sparse24Path::kSparseGemm, Sparse24Path::kDecompressGemm}) {
        if (p == Sparse24Path::kRows && M > 16) continue;
        const std::string path = p == Sparse24Path::kRows         ? "rows"
                                 : p == Sparse24Path::kSparseGemm ? "sparse_gemm"
                                                                  : "decompress_sgemm";
        benchmark::RegisterBenchmark(("matmul/sparse24/" + path + "/" + shape + m).c_str(),
                                     [=](benchmark::State& s) { sparse_bench(s, best_isa(), p, N, K, M); })
            ->UseRealTime();
      }
    }
  }
}

}  // namespace
}  // namespace slimlm

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("isa", std::string(slimlm::to_string(slimlm::best_isa())));
  benchmark::AddCustomContext("cpu", slimlm::cpu_features().brand);
  slimlm::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
