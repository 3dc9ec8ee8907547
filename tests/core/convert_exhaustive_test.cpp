// All 2^32 f32 bit patterns through every ISA path of f32 -> f16 and
// f32 -> bf16, compared with the scalar reference. Label: slow.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <vector>

#include "slimlm/core/convert_kernels.h"
#include "slimlm/core/cpu_features.h"
#include "slimlm/core/threads.h"

namespace slimlm {
namespace {

using Kernel = void (*)(const float*, uint16_t*, size_t);

struct Variant {
  const char* name;
  Kernel f16;
  Kernel bf16;
};

std::vector<Variant> supported_variants() {
  const CpuFeatures& f = cpu_features();
  std::vector<Variant> v;
  if (f.avx2 && f.fma && f.f16c) {
    v.push_back({"avx2", detail::f32_to_f16_avx2, detail::f32_to_bf16_avx2});
    if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq) {
      v.push_back({"avx512", detail::f32_to_f16_avx512, detail::f32_to_bf16_avx512});
      if (f.avx512bf16) v.push_back({"avx512bf16", nullptr, detail::f32_to_bf16_avx512bf16});
    }
  }
  return v;
}

TEST(ConvertExhaustive, EveryF32PatternOnEveryIsa) {
  const auto variants = supported_variants();
  if (variants.empty()) GTEST_SKIP() << "no SIMD path on this CPU";
  constexpr int64_t kChunk = int64_t{1} << 20;
  constexpr int64_t kChunks = (int64_t{1} << 32) / kChunk;
  std::atomic<int64_t> mismatches{0};
  std::atomic<uint32_t> first_bad{0};
  parallel_for(0, kChunks, 1, [&](int64_t cb, int64_t ce) {
    std::vector<float> in(kChunk);
    std::vector<uint16_t> want16(kChunk), wantb(kChunk), got(kChunk);
    for (int64_t c = cb; c < ce; ++c) {
      const auto base = static_cast<uint32_t>(c * kChunk);
      for (int64_t i = 0; i < kChunk; ++i) {
        const uint32_t x = base + static_cast<uint32_t>(i);
        std::memcpy(&in[i], &x, 4);
      }
      detail::f32_to_f16_scalar(in.data(), want16.data(), kChunk);
      detail::f32_to_bf16_scalar(in.data(), wantb.data(), kChunk);
      for (const Variant& v : variants) {
        for (auto [kernel, want] : {std::pair{v.f16, &want16}, std::pair{v.bf16, &wantb}}) {
          if (!kernel) continue;
          kernel(in.data(), got.data(), kChunk);
          if (got != *want) {
            for (int64_t i = 0; i < kChunk; ++i) {
              if (got[i] != (*want)[i]) {
                if (mismatches++ == 0) first_bad = base + static_cast<uint32_t>(i);
              }
            }
          }
        }
      }
    }
  });
  EXPECT_EQ(mismatches.load(), 0) << "first mismatch at f32 bits " << std::hex << first_bad.load();
}

}  // namespace
}  // namespace slimlm
