// Throughput of the dtype conversions, per ISA path and array size. Bytes/s
// counts bytes read plus bytes written. Sizes: 4 Ki elements (in L1), 1 Mi
// (L2/L3) and 16 Mi (DRAM).
#include <benchmark/benchmark.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "slimlm/core/convert.h"
#include "slimlm/core/convert_kernels.h"
#include "slimlm/core/cpu_features.h"
#include "slimlm/core/dtype.h"

namespace slimlm {
namespace {

bool has_avx2() {
  const auto& f = cpu_features();
  return f.avx2 && f.fma && f.f16c;
}
bool has_avx512() {
  const auto& f = cpu_features();
  return has_avx2() && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
}
bool has_avx512bf16() { return has_avx512() && cpu_features().avx512bf16; }

struct Path {
  const char* name;
  bool (*supported)();
  void (*f16_to_f32)(const uint16_t*, float*, size_t);
  void (*f32_to_f16)(const float*, uint16_t*, size_t);
  void (*bf16_to_f32)(const uint16_t*, float*, size_t);
  void (*f32_to_bf16)(const float*, uint16_t*, size_t);
};

const Path kPaths[] = {
    {"scalar", [] { return true; }, detail::f16_to_f32_scalar, detail::f32_to_f16_scalar,
     detail::bf16_to_f32_scalar, detail::f32_to_bf16_scalar},
    {"avx2", has_avx2, detail::f16_to_f32_avx2, detail::f32_to_f16_avx2, detail::bf16_to_f32_avx2,
     detail::f32_to_bf16_avx2},
    {"avx512", has_avx512, detail::f16_to_f32_avx512, detail::f32_to_f16_avx512,
     detail::bf16_to_f32_avx512, detail::f32_to_bf16_avx512},
    {"avx512bf16", has_avx512bf16, nullptr, nullptr, nullptr, detail::f32_to_bf16_avx512bf16},
};

std::vector<float> weights(size_t n) {
  std::mt19937 rng(1);
  std::normal_distribution<float> normal(0.0f, 0.02f);
  std::vector<float> v(n);
  for (auto& x : v) x = normal(rng);
  return v;
}

template <class In, class Out>
void run_kernel(benchmark::State& state, void (*kernel)(const In*, Out*, size_t),
                bool supported) {
  if (!supported) {
    state.SkipWithError("CPU lacks this ISA");
    return;
  }
  const auto n = static_cast<size_t>(state.range(0));
  const auto w = weights(n);
  std::vector<In> in(n);
  if constexpr (sizeof(In) == 4) {
    in.assign(w.begin(), w.end());
  } else {
    detail::f32_to_bf16_scalar(w.data(), reinterpret_cast<uint16_t*>(in.data()), n);
  }
  std::vector<Out> out(n);
  for (auto _ : state) {
    kernel(in.data(), out.data(), n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * (sizeof(In) + sizeof(Out))));
}

// convert() between dtypes, single-threaded sizes (below the parallel cut-off)
// and one large size that uses the pool.
void run_convert(benchmark::State& state, DType from, DType to) {
  const auto n = static_cast<size_t>(state.range(0));
  const auto w = weights(n);
  std::vector<uint8_t> in(dtype_bytes(from, n)), out(dtype_bytes(to, n));
  if (from == DType::kF32) {
    std::memcpy(in.data(), w.data(), in.size());
  } else {
    std::vector<float> scaled(w);
    for (auto& x : scaled) x *= 1000;  // give integer dtypes non-zero values
    convert(scaled.data(), DType::kF32, in.data(), from, n);
  }
  for (auto _ : state) {
    convert(in.data(), from, out.data(), to, n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * (in.size() + out.size())));
}

void register_all() {
  const std::vector<int64_t> sizes = {int64_t{1} << 12, int64_t{1} << 20, int64_t{1} << 24};
  for (const Path& p : kPaths) {
    const bool ok = p.supported();
    auto reg = [&](const char* what, auto kernel) {
      if (!kernel) return;
      auto* b = benchmark::RegisterBenchmark(
          (std::string(what) + "/" + p.name).c_str(),
          [kernel, ok](benchmark::State& s) { run_kernel(s, kernel, ok); });
      for (int64_t n : sizes) b->Arg(n);
    };
    reg("f16_to_f32", p.f16_to_f32);
    reg("f32_to_f16", p.f32_to_f16);
    reg("bf16_to_f32", p.bf16_to_f32);
    reg("f32_to_bf16", p.f32_to_bf16);
  }
  const std::pair<DType, DType> pairs[] = {
      {DType::kBF16, DType::kF32},   {DType::kF32, DType::kBF16},   {DType::kF16, DType::kBF16},
      {DType::kF8E4M3, DType::kF32}, {DType::kF32, DType::kF8E4M3}, {DType::kI8, DType::kF32},
      {DType::kF32, DType::kI8},     {DType::kF64, DType::kF32},
  };
  for (auto [from, to] : pairs) {
    const std::string name =
        "convert/" + std::string(to_string(from)) + "_to_" + std::string(to_string(to));
    auto* b = benchmark::RegisterBenchmark(
        name.c_str(), [from, to](benchmark::State& s) { run_convert(s, from, to); });
    b->Arg(int64_t{1} << 16)->Arg(int64_t{1} << 24)->UseRealTime();
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
