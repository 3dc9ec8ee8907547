#pragma once
// Element-type conversion. The scalar functions are the reference; the f16 /
// bf16 array functions dispatch at run time (best_isa()) to AVX-512, AVX2+F16C
// or scalar code, all bit for bit equal to the reference.
//
// f16 -> f32 and bf16 -> f32 are exact (f16 subnormals included); a NaN stays
// a NaN of the same sign and payload, made quiet. f32 -> f16 / bf16 rounds to
// nearest even, overflows to Inf, keeps Inf, and turns a NaN into a quiet NaN
// of the same sign carrying the top payload bits (what F16C and AVX512-BF16
// produce).
#include <cstddef>
#include <cstdint>

#include "slimlm/core/dtype.h"

namespace slimlm {

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float bf16_to_f32(uint16_t b);
uint16_t f32_to_bf16(float f);

// OCP 8-bit floats as PyTorch and safetensors store them. E4M3 is the "fn"
// variant (no Inf; S.1111.111 is NaN; max 448); E5M2 is IEEE-like (the top
// byte of an f16). Encoding rounds to nearest even; what does not fit becomes
// NaN for E4M3 (including Inf) and Inf for E5M2, as torch's .to() does.
float f8_e4m3_to_f32(uint8_t v);
uint8_t f32_to_f8_e4m3(float f);
float f8_e5m2_to_f32(uint8_t v);
uint8_t f32_to_f8_e5m2(float f);

void f16_to_f32(const uint16_t* src, float* dst, size_t n);
void f32_to_f16(const float* src, uint16_t* dst, size_t n);
void bf16_to_f32(const uint16_t* src, float* dst, size_t n);
void f32_to_bf16(const float* src, uint16_t* dst, size_t n);

// Converts n elements between plain dtypes (src and dst must not overlap).
// Supported: the same dtype (a copy); any plain dtype to and from f32; and any
// pair whose source converts to f32 exactly (f16, bf16, f8, bool, and 8/16-bit
// integers), which goes through f32 with a single rounding. Other pairs (they
// would round twice) throw UnsupportedError.
// Float -> integer truncates toward zero and saturates; NaN becomes 0.
// Anything -> bool is "!= 0" (NaN is true); bool -> number reads any nonzero
// byte as 1. Large arrays are split over the thread pool (core/threads.h).
void convert(const void* src, DType from, void* dst, DType to, size_t n);

}  // namespace slimlm
