// Quantized matrix products against the f32 ones they replace.
//   gemv/<format>/<isa>/<N>x<K>        decode: one activation row (fused kernel)
//   gemv/f32/<isa>/<N>x<K>             the f32 GEMV baseline
//   matmul/<format>/<path>/<N>x<K>/M   prefill: fused kernel vs dequantize + sgemm
//   matmul/f32/sgemm/<N>x<K>/M         the f32 sgemm baseline
// bytes_per_second counts the weight bytes read (codes, scales, zero points
// for quantized formats), so decode rows compare against the memory bound;
// GFLOPs counts 2·M·N·K. Shapes: the bench model's MLP (1536x512, 512x1536)
// and a 4096x4096 projection that no longer fits in L2.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "slimlm/core/cpu_features.h"
#include "slimlm/kernels/cpu/matmul.h"
#include "slimlm/kernels/cpu/quant_matmul.h"
#include "slimlm/quant/rtn.h"

namespace slimlm {
namespace {

using kernels::QuantPath;
using quant::QuantFormat;

bool supported(Isa isa) {
  const auto& f = cpu_features();
  switch (isa) {
    case Isa::kScalar: return true;
    case Isa::kAvx2: return f.avx2 && f.fma && f.f16c;
    case Isa::kAvx512: return f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
  }
  return false;
}

std::vector<float> normal(size_t n, uint32_t seed, float sd) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, sd);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

Tensor weights(int64_t N, int64_t K) {
  Tensor w = Tensor::empty(DType::kF32, {N, K});
  const auto v = normal(static_cast<size_t>(N * K), 1, 0.02f);
  std::copy(v.begin(), v.end(), w.mutable_data<float>());
  return w;
}

void set_counters(benchmark::State& state, uint64_t weight_bytes, int64_t M, int64_t N, int64_t K) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * weight_bytes));
  state.counters["GFLOPs"] = benchmark::Counter(
      2.0 * static_cast<double>(M * N * K) * static_cast<double>(state.iterations()) * 1e-9,
      benchmark::Counter::kIsRate);
  state.counters["bpw"] = static_cast<double>(weight_bytes) * 8.0 / static_cast<double>(N * K);
}

void quant_bench(benchmark::State& state, QuantFormat f, Isa isa, QuantPath path, int64_t N,
                 int64_t K, int64_t M) {
  if (!supported(isa)) {
    state.SkipWithError("CPU lacks this ISA");
    return;
  }
  const quant::QuantizedTensor q = quant::quantize_rtn(weights(N, K), f);
  if (path == QuantPath::kInt8Dot && !kernels::quant_int8_dot_available(q, isa)) {
    state.SkipWithError("no AVX-512 VNNI kernel for this format or CPU");
    return;
  }
  const auto x = normal(static_cast<size_t>(M * K), 2, 1.0f);
  std::vector<float> y(static_cast<size_t>(M * N));
  for (auto _ : state) {
    kernels::quant_matmul(q, x.data(), y.data(), M, isa, path);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, q.nbytes(), M, N, K);
}

void f32_bench(benchmark::State& state, Isa isa, int64_t N, int64_t K, int64_t M) {
  if (!supported(isa)) {
    state.SkipWithError("CPU lacks this ISA");
    return;
  }
  const Tensor w = weights(N, K);
  const auto x = normal(static_cast<size_t>(M * K), 2, 1.0f);
  std::vector<float> y(static_cast<size_t>(M * N));
  for (auto _ : state) {
    if (M == 1) {
      kernels::gemv_f32(w.data<float>(), x.data(), y.data(), N, K, isa);
    } else {
      kernels::matmul_f32(x.data(), w.data<float>(), y.data(), M, N, K);
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  set_counters(state, static_cast<uint64_t>(N * K) * 4, M, N, K);
}

void register_all() {
  const std::pair<int64_t, int64_t> shapes[] = {{1536, 512}, {512, 1536}, {4096, 4096}};
  const QuantFormat formats[] = {QuantFormat::kInt8,      QuantFormat::kInt4G128,
                                 QuantFormat::kInt4G128Asym, QuantFormat::kNf4,
                                 QuantFormat::kInt3G128,  QuantFormat::kInt2G64};
  const Isa isas[] = {Isa::kScalar, Isa::kAvx2, Isa::kAvx512};
  for (auto [N, K] : shapes) {
    const std::string shape = std::to_string(N) + "x" + std::to_string(K);
    for (Isa isa : isas) {
      const std::string isa_name(to_string(isa));
      benchmark::RegisterBenchmark(("gemv/f32/" + isa_name + "/" + shape).c_str(),
                                   [=](benchmark::State& s) { f32_bench(s, isa, N, K, 1); })
          ->UseRealTime();
      for (QuantFormat f : formats) {
        benchmark::RegisterBenchmark(
            ("gemv/" + std::string(quant::to_string(f)) + "/" + isa_name + "/" + shape).c_str(),
            [=](benchmark::State& s) { quant_bench(s, f, isa, QuantPath::kFused, N, K, 1); })
            ->UseRealTime();
        if (isa == Isa::kAvx512 && f != QuantFormat::kInt3G128) {
          benchmark::RegisterBenchmark(
              ("gemv/" + std::string(quant::to_string(f)) + "/avx512_vnni_int8dot/" + shape).c_str(),
              [=](benchmark::State& s) { quant_bench(s, f, isa, QuantPath::kInt8Dot, N, K, 1); })
              ->UseRealTime();
        }
      }
    }
    if (N == 4096) continue;  // prefill on the model's shapes only
    for (int64_t M : {2, 4, 8, 16, 64, 512}) {
      const std::string m = "/" + std::to_string(M);
      benchmark::RegisterBenchmark(("matmul/f32/sgemm/" + shape + m).c_str(),
                                   [=](benchmark::State& s) { f32_bench(s, best_isa(), N, K, M); })
          ->UseRealTime();
      for (QuantFormat f : {QuantFormat::kInt8, QuantFormat::kInt4G128, QuantFormat::kNf4}) {
        for (QuantPath p : {QuantPath::kFused, QuantPath::kDequantGemm, QuantPath::kInt8Dot}) {
          const std::string path = p == QuantPath::kFused         ? "fused"
                                   : p == QuantPath::kDequantGemm ? "dequant_sgemm"
                                                                  : "int8dot";
          benchmark::RegisterBenchmark(
              ("matmul/" + std::string(quant::to_string(f)) + "/" + path + "/" + shape + m).c_str(),
              [=](benchmark::State& s) { quant_bench(s, f, best_isa(), p, N, K, M); })
              ->UseRealTime();
        }
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
