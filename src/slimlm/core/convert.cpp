// Run-time dispatch of the array conversions, and convert() between any two
// plain dtypes through a per-dtype codec table.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "slimlm/core/convert.h"
#include "slimlm/core/convert_kernels.h"
#include "slimlm/core/cpu_features.h"
#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"

namespace slimlm {

void f16_to_f32(const uint16_t* src, float* dst, size_t n) {
  switch (best_isa()) {
    case Isa::kAvx512: return detail::f16_to_f32_avx512(src, dst, n);
    case Isa::kAvx2: return detail::f16_to_f32_avx2(src, dst, n);
    case Isa::kScalar: break;
  }
  detail::f16_to_f32_scalar(src, dst, n);
}

void f32_to_f16(const float* src, uint16_t* dst, size_t n) {
  switch (best_isa()) {
    case Isa::kAvx512: return detail::f32_to_f16_avx512(src, dst, n);
    case Isa::kAvx2: return detail::f32_to_f16_avx2(src, dst, n);
    case Isa::kScalar: break;
  }
  detail::f32_to_f16_scalar(src, dst, n);
}

void bf16_to_f32(const uint16_t* src, float* dst, size_t n) {
  switch (best_isa()) {
    case Isa::kAvx512: return detail::bf16_to_f32_avx512(src, dst, n);
    case Isa::kAvx2: return detail::bf16_to_f32_avx2(src, dst, n);
    case Isa::kScalar: break;
  }
  detail::bf16_to_f32_scalar(src, dst, n);
}

void f32_to_bf16(const float* src, uint16_t* dst, size_t n) {
  switch (best_isa()) {
    case Isa::kAvx512:
      if (cpu_features().avx512bf16) return detail::f32_to_bf16_avx512bf16(src, dst, n);
      return detail::f32_to_bf16_avx512(src, dst, n);
    case Isa::kAvx2: return detail::f32_to_bf16_avx2(src, dst, n);
    case Isa::kScalar: break;
  }
  detail::f32_to_bf16_scalar(src, dst, n);
}

namespace {

// How one dtype goes to and from f32. `exact` marks dtypes whose every value
// is an f32 value, so a pair can pass through f32 without rounding twice.
struct Codec {
  DType id;
  void (*to_f32)(const void* src, float* dst, size_t n);
  void (*from_f32)(const float* src, void* dst, size_t n);
  bool exact;
};

template <class T>
void int_to_f32(const void* src, float* dst, size_t n) {
  const T* s = static_cast<const T*>(src);
  for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(s[i]);
}

// Truncate toward zero and saturate; NaN -> 0 (a float -> int cast would be UB).
template <class T>
T saturate_cast(float f) {
  if (std::isnan(f)) return 0;
  const double d = std::trunc(static_cast<double>(f));
  // Both limits are powers of two (or zero), exact in double.
  constexpr double lo = static_cast<double>(std::numeric_limits<T>::min());
  constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
  if (d <= lo) return std::numeric_limits<T>::min();
  if (d >= hi) return std::numeric_limits<T>::max();
  return static_cast<T>(d);
}

template <class T>
void f32_to_int(const float* src, void* dst, size_t n) {
  T* d = static_cast<T*>(dst);
  for (size_t i = 0; i < n; ++i) d[i] = saturate_cast<T>(src[i]);
}

void bool_to_f32(const void* src, float* dst, size_t n) {
  const uint8_t* s = static_cast<const uint8_t*>(src);
  for (size_t i = 0; i < n; ++i) dst[i] = s[i] ? 1.0f : 0.0f;
}
void f32_to_bool(const float* src, void* dst, size_t n) {
  uint8_t* d = static_cast<uint8_t*>(dst);
  for (size_t i = 0; i < n; ++i) d[i] = src[i] != 0.0f;  // NaN != 0
}

void f64_to_f32v(const void* src, float* dst, size_t n) {
  const double* s = static_cast<const double*>(src);
  for (size_t i = 0; i < n; ++i) dst[i] = static_cast<float>(s[i]);
}
void f32_to_f64v(const float* src, void* dst, size_t n) {
  double* d = static_cast<double*>(dst);
  for (size_t i = 0; i < n; ++i) d[i] = src[i];
}

void f16_to_f32v(const void* src, float* dst, size_t n) {
  f16_to_f32(static_cast<const uint16_t*>(src), dst, n);
}
void f32_to_f16v(const float* src, void* dst, size_t n) {
  f32_to_f16(src, static_cast<uint16_t*>(dst), n);
}
void bf16_to_f32v(const void* src, float* dst, size_t n) {
  bf16_to_f32(static_cast<const uint16_t*>(src), dst, n);
}
void f32_to_bf16v(const float* src, void* dst, size_t n) {
  f32_to_bf16(src, static_cast<uint16_t*>(dst), n);
}

template <float (*Decode)(uint8_t)>
void f8_to_f32v(const void* src, float* dst, size_t n) {
  const uint8_t* s = static_cast<const uint8_t*>(src);
  for (size_t i = 0; i < n; ++i) dst[i] = Decode(s[i]);
}
template <uint8_t (*Encode)(float)>
void f32_to_f8v(const float* src, void* dst, size_t n) {
  uint8_t* d = static_cast<uint8_t*>(dst);
  for (size_t i = 0; i < n; ++i) d[i] = Encode(src[i]);
}

// clang-format off
constexpr std::array<Codec, 14> kCodecs = {{
  {DType::kF64,    f64_to_f32v,               f32_to_f64v,                false},
  {DType::kF16,    f16_to_f32v,               f32_to_f16v,                true},
  {DType::kBF16,   bf16_to_f32v,              f32_to_bf16v,               true},
  {DType::kF8E4M3, f8_to_f32v<f8_e4m3_to_f32>, f32_to_f8v<f32_to_f8_e4m3>, true},
  {DType::kF8E5M2, f8_to_f32v<f8_e5m2_to_f32>, f32_to_f8v<f32_to_f8_e5m2>, true},
  {DType::kBool,   bool_to_f32,               f32_to_bool,                true},
  {DType::kI8,     int_to_f32<int8_t>,        f32_to_int<int8_t>,         true},
  {DType::kU8,     int_to_f32<uint8_t>,       f32_to_int<uint8_t>,        true},
  {DType::kI16,    int_to_f32<int16_t>,       f32_to_int<int16_t>,        true},
  {DType::kU16,    int_to_f32<uint16_t>,      f32_to_int<uint16_t>,       true},
  {DType::kI32,    int_to_f32<int32_t>,       f32_to_int<int32_t>,        false},
  {DType::kU32,    int_to_f32<uint32_t>,      f32_to_int<uint32_t>,       false},
  {DType::kI64,    int_to_f32<int64_t>,       f32_to_int<int64_t>,        false},
  {DType::kU64,    int_to_f32<uint64_t>,      f32_to_int<uint64_t>,       false},
}};
// clang-format on

const Codec* find_codec(DType t) {
  for (const auto& c : kCodecs) {
    if (c.id == t) return &c;
  }
  return nullptr;
}

[[noreturn]] void unsupported(DType from, DType to, std::string_view why) {
  throw UnsupportedError("cannot convert " + std::string(to_string(from)) + " to " +
                         std::string(to_string(to)) + ": " + std::string(why));
}

// Converts one chunk that fits the caller's plan (see convert()).
void convert_chunk(const void* src, const Codec* from, void* dst, const Codec* to, size_t n) {
  if (!from) return to->from_f32(static_cast<const float*>(src), dst, n);
  if (!to) return from->to_f32(src, static_cast<float*>(dst), n);
  // Through an f32 staging buffer small enough to stay in L1.
  constexpr size_t kStage = 1024;
  float stage[kStage];
  const size_t in_size = dtype_traits(from->id).block_bytes;
  const size_t out_size = dtype_traits(to->id).block_bytes;
  for (size_t i = 0; i < n; i += kStage) {
    const size_t k = std::min(kStage, n - i);
    from->to_f32(static_cast<const char*>(src) + i * in_size, stage, k);
    to->from_f32(stage, static_cast<char*>(dst) + i * out_size, k);
  }
}

// Below this many elements a conversion is not worth waking the pool.
constexpr size_t kParallelMin = size_t{1} << 18;
constexpr int64_t kGrain = int64_t{1} << 16;

}  // namespace

void convert(const void* src, DType from, void* dst, DType to, size_t n) {
  const DTypeTraits& in = dtype_traits(from);
  const DTypeTraits& out = dtype_traits(to);
  if (n == 0) return;
  if (from == to) {
    std::memcpy(dst, src, dtype_bytes(from, n));
    return;
  }
  // nullptr stands for f32 itself.
  const Codec* cf = nullptr;
  const Codec* ct = nullptr;
  if (from != DType::kF32 && !(cf = find_codec(from))) unsupported(from, to, "not a plain dtype");
  if (to != DType::kF32 && !(ct = find_codec(to))) unsupported(from, to, "not a plain dtype");
  if (cf && ct && !cf->exact) {
    unsupported(from, to, "only f32 and dtypes exactly representable in f32 convert to any dtype");
  }
  if (n < kParallelMin) return convert_chunk(src, cf, dst, ct, n);
  parallel_for(0, static_cast<int64_t>(n), kGrain, [&](int64_t b, int64_t e) {
    convert_chunk(static_cast<const char*>(src) + static_cast<size_t>(b) * in.block_bytes, cf,
                  static_cast<char*>(dst) + static_cast<size_t>(b) * out.block_bytes, ct,
                  static_cast<size_t>(e - b));
  });
}

}  // namespace slimlm
