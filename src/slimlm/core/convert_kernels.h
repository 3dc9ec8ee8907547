#pragma once
// Internal: the per-ISA array kernels behind core/convert.h. The AVX2 and
// AVX-512 versions live in files compiled with ISA flags; only the dispatcher
// in convert.cpp calls them, after checking best_isa(). Every kernel is bit
// for bit equal to the scalar reference, tails included.
#include <cstddef>
#include <cstdint>

namespace slimlm::detail {

void f16_to_f32_scalar(const uint16_t* src, float* dst, size_t n);
void f32_to_f16_scalar(const float* src, uint16_t* dst, size_t n);
void bf16_to_f32_scalar(const uint16_t* src, float* dst, size_t n);
void f32_to_bf16_scalar(const float* src, uint16_t* dst, size_t n);

void f16_to_f32_avx2(const uint16_t* src, float* dst, size_t n);
void f32_to_f16_avx2(const float* src, uint16_t* dst, size_t n);
void bf16_to_f32_avx2(const uint16_t* src, float* dst, size_t n);
void f32_to_bf16_avx2(const float* src, uint16_t* dst, size_t n);

void f16_to_f32_avx512(const uint16_t* src, float* dst, size_t n);
void f32_to_f16_avx512(const float* src, uint16_t* dst, size_t n);
void bf16_to_f32_avx512(const uint16_t* src, float* dst, size_t n);
// Integer rounding: for AVX-512 CPUs without AVX512-BF16.
void f32_to_bf16_avx512(const float* src, uint16_t* dst, size_t n);
// VCVTNEPS2BF16 with a fix-up for the lanes it gets wrong; needs avx512bf16.
void f32_to_bf16_avx512bf16(const float* src, uint16_t* dst, size_t n);

}  // namespace slimlm::detail
