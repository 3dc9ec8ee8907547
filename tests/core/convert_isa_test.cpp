// Every dispatched ISA path equals the scalar reference bit for bit, for all
// lengths 0..70 (every tail), large arrays and unaligned pointers.
#include <gtest/gtest.h>
#include <xmmintrin.h>

#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "float_bits.h"
#include "slimlm/core/convert.h"
#include "slimlm/core/convert_kernels.h"
#include "slimlm/core/cpu_features.h"

namespace slimlm {
namespace {

using test::bits;
using test::from_bits;

struct Path {
  const char* name;
  bool (*supported)();
  void (*f16_to_f32)(const uint16_t*, float*, size_t);
  void (*f32_to_f16)(const float*, uint16_t*, size_t);
  void (*bf16_to_f32)(const uint16_t*, float*, size_t);
  void (*f32_to_bf16)(const float*, uint16_t*, size_t);
};

// Names the path in failure messages instead of dumping its bytes.
void PrintTo(const Path& p, std::ostream* os) { *os << p.name; }

bool has_avx2() {
  const auto& f = cpu_features();
  return f.avx2 && f.fma && f.f16c;
}
bool has_avx512() {
  const auto& f = cpu_features();
  return has_avx2() && f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq;
}
bool has_avx512bf16() { return has_avx512() && cpu_features().avx512bf16; }

const Path kPaths[] = {
    {"scalar", [] { return true; }, detail::f16_to_f32_scalar, detail::f32_to_f16_scalar,
     detail::bf16_to_f32_scalar, detail::f32_to_bf16_scalar},
    {"avx2", has_avx2, detail::f16_to_f32_avx2, detail::f32_to_f16_avx2, detail::bf16_to_f32_avx2,
     detail::f32_to_bf16_avx2},
    {"avx512", has_avx512, detail::f16_to_f32_avx512, detail::f32_to_f16_avx512,
     detail::bf16_to_f32_avx512, detail::f32_to_bf16_avx512},
    {"avx512bf16", has_avx512bf16, detail::f16_to_f32_avx512, detail::f32_to_f16_avx512,
     detail::bf16_to_f32_avx512, detail::f32_to_bf16_avx512bf16},
};

// Inputs that exercise every special case, cycled so any window of the array
// contains several of them.
std::vector<float> f32_inputs(size_t n, uint32_t seed) {
  static const uint32_t special[] = {
      0x00000000, 0x80000000, 0x3f800000, 0x3f801000, 0x3f803000, 0x3f808000, 0x3f818000,
      0x477fe000, 0x477ff000, 0x7f7fffff, 0x7f7f8000, 0x7f800000, 0xff800000, 0x38800000,
      0x387fe000, 0x33000000, 0x33000001, 0x33c00000, 0x00000001, 0x00008000, 0x00018000,
      0x007fffff, 0x80400000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xff812345, 0x7fffffff};
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) {
    if (i % 5 == 0) {
      v[i] = from_bits(special[(i / 5) % std::size(special)]);
    } else if (i % 5 == 1) {
      v[i] = from_bits(rng());
    } else {
      v[i] = normal(rng);
    }
  }
  return v;
}

std::vector<uint16_t> u16_inputs(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<uint16_t> v(n);
  for (auto& x : v) x = static_cast<uint16_t>(rng());
  return v;
}

class ConvertIsa : public ::testing::TestWithParam<Path> {
 protected:
  void SetUp() override {
    if (!GetParam().supported()) GTEST_SKIP() << "CPU lacks " << GetParam().name;
  }
};

uint32_t input_bits(float f) { return bits(f); }
uint32_t input_bits(uint16_t h) { return h; }

constexpr size_t kGuard = 32;
constexpr uint16_t kGuard16 = 0xdead;
constexpr uint32_t kGuard32 = 0xdeadbeef;

// Runs one kernel on src[offset .. offset+n) and compares with the reference,
// including the guard words past the end.
template <class In, class Out>
void check(void (*kernel)(const In*, Out*, size_t), void (*ref)(const In*, Out*, size_t),
           const std::vector<In>& src, size_t offset, size_t n, Out guard, const char* what) {
  std::vector<Out> got(offset + n + kGuard, guard), want(offset + n + kGuard, guard);
  kernel(src.data() + offset, got.data() + offset, n);
  ref(src.data() + offset, want.data() + offset, n);
  for (size_t i = 0; i < got.size(); ++i) {
    uint32_t g, w;
    if constexpr (sizeof(Out) == 4) {
      g = bits(got[i]);
      w = bits(want[i]);
    } else {
      g = got[i];
      w = want[i];
    }
    ASSERT_EQ(g, w) << what << " n=" << n << " offset=" << offset << " index " << i
                    << " input bits " << std::hex
                    << (i >= offset && i < offset + n ? input_bits(src[i]) : 0u);
  }
}

void check_all(const Path& p, size_t offset, size_t n, uint32_t seed) {
  const auto f = f32_inputs(offset + n, seed);
  const auto h = u16_inputs(offset + n, seed + 1);
  const float guard_f = from_bits(kGuard32);
  check(p.f16_to_f32, detail::f16_to_f32_scalar, h, offset, n, guard_f, "f16->f32");
  check(p.bf16_to_f32, detail::bf16_to_f32_scalar, h, offset, n, guard_f, "bf16->f32");
  check(p.f32_to_f16, detail::f32_to_f16_scalar, f, offset, n, kGuard16, "f32->f16");
  check(p.f32_to_bf16, detail::f32_to_bf16_scalar, f, offset, n, kGuard16, "f32->bf16");
}

TEST_P(ConvertIsa, EveryTailLength) {
  for (size_t n = 0; n <= 70; ++n) {
    check_all(GetParam(), 0, n, static_cast<uint32_t>(n));
    if (HasFatalFailure()) return;
  }
}

TEST_P(ConvertIsa, UnalignedPointers) {
  for (size_t offset = 1; offset < 8; ++offset) {
    check_all(GetParam(), offset, 67, static_cast<uint32_t>(100 + offset));
    if (HasFatalFailure()) return;
  }
}

TEST_P(ConvertIsa, LargeArrays) {
  check_all(GetParam(), 0, 1'000'003, 7);
  if (HasFatalFailure()) return;
  check_all(GetParam(), 3, 4096, 8);
}

TEST_P(ConvertIsa, EveryHalfPattern) {
  std::vector<uint16_t> all(65536);
  for (uint32_t i = 0; i < 65536; ++i) all[i] = static_cast<uint16_t>(i);
  const float guard_f = from_bits(kGuard32);
  check(GetParam().f16_to_f32, detail::f16_to_f32_scalar, all, 0, all.size(), guard_f, "f16->f32");
  check(GetParam().bf16_to_f32, detail::bf16_to_f32_scalar, all, 0, all.size(), guard_f,
        "bf16->f32");
}

// Sign x exponent x mantissas near every rounding position, plus random bits:
// a few million inputs through the f32 -> f16/bf16 kernels.
TEST_P(ConvertIsa, MillionsOfF32) {
  std::vector<float> in;
  for (uint32_t sign : {0u, 0x80000000u}) {
    for (uint32_t e = 0; e < 256; ++e) {
      for (int k = 1; k <= 23; ++k) {
        const uint32_t h = 1u << (k - 1);
        for (uint32_t base : {0u, 1u << k, 3u << k, 0x7fffffu & ~((1u << k) - 1)}) {
          for (uint32_t m : {h - 1, h, h + 1}) in.push_back(from_bits(sign | (e << 23) | ((base + m) & 0x7fffff)));
        }
      }
    }
  }
  std::mt19937 rng(99);
  while (in.size() < 4'000'000) in.push_back(from_bits(rng()));
  check(GetParam().f32_to_f16, detail::f32_to_f16_scalar, in, 0, in.size(), kGuard16, "f32->f16");
  check(GetParam().f32_to_bf16, detail::f32_to_bf16_scalar, in, 0, in.size(), kGuard16,
        "f32->bf16");
}

// Kernels elsewhere may turn on denormals-are-zero / flush-to-zero for speed;
// conversions must not change with it (F16C ignores DAZ for half inputs and
// the integer paths never consult MXCSR).
TEST_P(ConvertIsa, IndependentOfDenormalModes) {
  const unsigned saved = _mm_getcsr();
  _mm_setcsr(saved | 0x8040);  // FTZ | DAZ
  std::vector<uint16_t> all(65536);
  for (uint32_t i = 0; i < 65536; ++i) all[i] = static_cast<uint16_t>(i);
  std::vector<float> f = f32_inputs(100'000, 17);
  for (uint32_t m = 1; m < (1u << 23); m += 4099) {
    f.push_back(from_bits(m));  // f32 subnormals
    f.push_back(from_bits(0x80000000u | m));
  }
  std::vector<float> got32(all.size()), want32(all.size());
  std::vector<uint16_t> got16(f.size()), want16(f.size());
  GetParam().f16_to_f32(all.data(), got32.data(), all.size());
  _mm_setcsr(saved);
  detail::f16_to_f32_scalar(all.data(), want32.data(), all.size());
  EXPECT_EQ(0, std::memcmp(got32.data(), want32.data(), got32.size() * 4)) << "f16->f32";
  for (auto [kernel, ref, what] :
       {std::tuple{GetParam().f32_to_f16, &detail::f32_to_f16_scalar, "f32->f16"},
        std::tuple{GetParam().f32_to_bf16, &detail::f32_to_bf16_scalar, "f32->bf16"}}) {
    _mm_setcsr(saved | 0x8040);
    kernel(f.data(), got16.data(), f.size());
    _mm_setcsr(saved);
    ref(f.data(), want16.data(), f.size());
    EXPECT_EQ(got16, want16) << what;
  }
}

INSTANTIATE_TEST_SUITE_P(Paths, ConvertIsa, ::testing::ValuesIn(kPaths),
                         [](const auto& info) { return std::string(info.param.name); });

// The public array functions follow best_isa(), whichever path it selects.
TEST(ConvertDispatch, PublicFunctionsMatchReferenceOnEveryIsa) {
  const auto in = f32_inputs(1000, 5);
  std::vector<uint16_t> want16(in.size()), got16(in.size());
  detail::f32_to_bf16_scalar(in.data(), want16.data(), in.size());
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    set_isa_override(isa);
    f32_to_bf16(in.data(), got16.data(), in.size());
    EXPECT_EQ(got16, want16) << to_string(best_isa());
    std::vector<uint16_t> h(in.size()), hw(in.size());
    f32_to_f16(in.data(), h.data(), in.size());
    detail::f32_to_f16_scalar(in.data(), hw.data(), in.size());
    EXPECT_EQ(h, hw) << to_string(best_isa());
    std::vector<float> back(in.size()), backw(in.size());
    f16_to_f32(h.data(), back.data(), h.size());
    detail::f16_to_f32_scalar(h.data(), backw.data(), h.size());
    EXPECT_EQ(0, std::memcmp(back.data(), backw.data(), back.size() * 4)) << to_string(best_isa());
    bf16_to_f32(got16.data(), back.data(), got16.size());
    detail::bf16_to_f32_scalar(got16.data(), backw.data(), got16.size());
    EXPECT_EQ(0, std::memcmp(back.data(), backw.data(), back.size() * 4)) << to_string(best_isa());
  }
  set_isa_override(std::nullopt);
}

}  // namespace
}  // namespace slimlm
