#pragma once
// f16 / bf16 <-> f32 conversion. The scalar functions are the reference; the
// array functions dispatch at run time to AVX-512, AVX2+F16C or scalar code.
// f32 -> f16/bf16 rounds to nearest even and keeps NaN a NaN (quiet) and Inf.
#include <cstddef>
#include <cstdint>

#include "slimlm/core/dtype.h"

namespace slimlm {

float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float bf16_to_f32(uint16_t b);
uint16_t f32_to_bf16(float f);

void f16_to_f32(const uint16_t* src, float* dst, size_t n);
void f32_to_f16(const float* src, uint16_t* dst, size_t n);
void bf16_to_f32(const uint16_t* src, float* dst, size_t n);
void f32_to_bf16(const float* src, uint16_t* dst, size_t n);

// Converts n elements between plain dtypes. Every float and integer dtype
// converts to and from f32; other pairs throw UnsupportedError.
void convert(const void* src, DType from, void* dst, DType to, size_t n);

}  // namespace slimlm
