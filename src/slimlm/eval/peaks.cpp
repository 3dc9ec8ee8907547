#include "slimlm/eval/peaks.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"
#include "slimlm/core/timer.h"
#include "slimlm/kernels/cpu/matmul.h"

namespace slimlm::eval {

GemmRate measure_sgemm(const GemmShape& shape, double min_seconds) {
  if (shape.M < 1 || shape.N < 1 || shape.K < 1) throw ConfigError("sgemm shape must be positive");
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(shape.M * shape.K));
  std::vector<float> w(static_cast<size_t>(shape.N * shape.K));
  std::vector<float> y(static_cast<size_t>(shape.M * shape.N));
  for (auto& v : x) v = dist(rng);
  for (auto& v : w) v = dist(rng);

  kernels::matmul_f32(x.data(), w.data(), y.data(), shape.M, shape.N, shape.K);  // warm-up
  GemmRate r;
  r.shape = shape;
  for (int round = 0; round < 3; ++round) {
    int64_t calls = 0;
    Timer t;
    do {
      kernels::matmul_f32(x.data(), w.data(), y.data(), shape.M, shape.N, shape.K);
      ++calls;
    } while (t.seconds() < min_seconds / 3.0);
    const double per_call = t.seconds() / static_cast<double>(calls);
    const double gflops = shape.flops() / per_call * 1e-9;
    if (gflops > r.gflops) {
      r.gflops = gflops;
      r.seconds_per_call = per_call;
    }
  }
  return r;
}

Bandwidth measure_copy_bandwidth(size_t bytes, double min_seconds) {
  // Pages are touched once before timing so the first copy does not pay for
  // page faults.
  std::vector<char> src(bytes, 1);
  std::vector<char> dst(bytes, 0);
  const int64_t n = static_cast<int64_t>(bytes);
  const int64_t grain = std::max<int64_t>(int64_t{1} << 20, n / (4 * num_threads()));
  auto copy = [&]() {
    parallel_for(0, n, grain, [&](int64_t b, int64_t e) {
      std::memcpy(dst.data() + b, src.data() + b, static_cast<size_t>(e - b));
    });
  };
  copy();
  Bandwidth r;
  r.bytes = bytes;
  for (int round = 0; round < 3; ++round) {
    int64_t copies = 0;
    Timer t;
    do {
      copy();
      ++copies;
    } while (t.seconds() < min_seconds / 3.0);
    const double gbs = 2.0 * static_cast<double>(bytes) * static_cast<double>(copies) / t.seconds() * 1e-9;
    r.gbs = std::max(r.gbs, gbs);
  }
  return r;
}

}  // namespace slimlm::eval
