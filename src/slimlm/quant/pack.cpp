#include "slimlm/quant/pack.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>

#include "slimlm/core/convert.h"
#include "slimlm/core/error.h"
#include "slimlm/quant/codebook.h"

namespace slimlm::quant {

void pack_codes(std::span<const uint8_t> codes, int bits, std::span<uint32_t> words) {
  const size_t per_word = static_cast<size_t>(32 / bits);
  if (words.size() != (codes.size() + per_word - 1) / per_word) {
    throw Error(fmt::format("pack_codes: {} codes of {} bits need {} words, got {}", codes.size(),
                            bits, (codes.size() + per_word - 1) / per_word, words.size()));
  }
  std::fill(words.begin(), words.end(), 0u);
  for (size_t i = 0; i < codes.size(); ++i) {
    words[i / per_word] |= static_cast<uint32_t>(codes[i]) << (bits * (i % per_word));
  }
}

void unpack_codes(std::span<const uint32_t> words, int bits, std::span<uint8_t> codes) {
  const size_t per_word = static_cast<size_t>(32 / bits);
  const uint32_t mask = (1u << bits) - 1u;
  for (size_t i = 0; i < codes.size(); ++i) {
    codes[i] = static_cast<uint8_t>((words[i / per_word] >> (bits * (i % per_word))) & mask);
  }
}

namespace {

float scale_in_dtype(float s, DType dt) {
  return dt == DType::kF16 ? f16_to_f32(f32_to_f16(s)) : s;
}

}  // namespace

QuantizedTensor pack(const UnpackedQuant& u) {
  const FormatTraits& t = format_traits(u.format);
  check_shape(u.format, u.rows, u.cols, "pack");
  const int64_t groups = t.groups_per_row(u.cols);
  const int64_t wpr = t.words_per_row(u.cols);
  const auto n = static_cast<size_t>(u.rows * u.cols);
  const auto ng = static_cast<size_t>(u.rows * groups);
  if (u.codes.size() != n || u.scales.size() != ng ||
      (!t.symmetric && u.zeros.size() != ng) || (t.symmetric && !u.zeros.empty()) ||
      (!u.perm.empty() && u.perm.size() != static_cast<size_t>(u.cols))) {
    throw FormatError(fmt::format("pack: arrays do not match a [{}, {}] {} matrix", u.rows, u.cols,
                                  t.name));
  }
  QuantizedTensor q;
  q.format = u.format;
  q.rows = u.rows;
  q.cols = u.cols;
  q.codes = Tensor::empty(DType::kI32, {u.rows, wpr});
  auto* words = static_cast<uint32_t*>(q.codes.mutable_raw_data());
  for (size_t i = 0; i < n; ++i) {
    if (u.codes[i] > t.max_code()) {
      throw FormatError(fmt::format("pack: code {} at {} exceeds {} bits", u.codes[i], i, t.bits));
    }
  }
  for (int64_t r = 0; r < u.rows; ++r) {
    pack_codes(std::span(u.codes).subspan(static_cast<size_t>(r * u.cols), static_cast<size_t>(u.cols)),
               t.bits, std::span(words + r * wpr, static_cast<size_t>(wpr)));
  }
  q.scales = Tensor::empty(t.scale_dtype, {u.rows, groups});
  for (size_t i = 0; i < ng; ++i) {
    const float s = u.scales[i];
    if (!std::isfinite(s) || scale_in_dtype(s, t.scale_dtype) != s) {
      throw FormatError(fmt::format("pack: scale {} at {} is not a finite {} value", s, i,
                                    to_string(t.scale_dtype)));
    }
  }
  if (t.scale_dtype == DType::kF16) {
    f32_to_f16(u.scales.data(), static_cast<uint16_t*>(q.scales.mutable_raw_data()), ng);
  } else {
    std::memcpy(q.scales.mutable_raw_data(), u.scales.data(), ng * sizeof(float));
  }
  if (!t.symmetric) {
    q.zeros = Tensor::empty(DType::kU8, {u.rows, groups});
    for (size_t i = 0; i < ng; ++i) {
      if (u.zeros[i] > t.max_code()) {
        throw FormatError(fmt::format("pack: zero point {} at {} exceeds {} bits", u.zeros[i], i, t.bits));
      }
    }
    std::memcpy(q.zeros.mutable_raw_data(), u.zeros.data(), ng);
  }
  if (!u.perm.empty()) {
    q.perm = Tensor::empty(DType::kI32, {u.cols});
    std::memcpy(q.perm.mutable_raw_data(), u.perm.data(), u.perm.size() * sizeof(int32_t));
  }
  q.validate("pack");
  return q;
}

UnpackedQuant unpack(const QuantizedTensor& q) {
  const FormatTraits& t = q.traits();
  UnpackedQuant u;
  u.format = q.format;
  u.rows = q.rows;
  u.cols = q.cols;
  const int64_t groups = q.groups_per_row();
  u.codes.resize(static_cast<size_t>(q.rows * q.cols));
  for (int64_t r = 0; r < q.rows; ++r) {
    unpack_codes(std::span(q.row_words(r), static_cast<size_t>(q.words_per_row())), t.bits,
                 std::span(u.codes).subspan(static_cast<size_t>(r * q.cols), static_cast<size_t>(q.cols)));
  }
  u.scales.resize(static_cast<size_t>(q.rows * groups));
  for (int64_t r = 0; r < q.rows; ++r) {
    for (int64_t g = 0; g < groups; ++g) u.scales[static_cast<size_t>(r * groups + g)] = group_scale(q, r, g);
  }
  if (!t.symmetric) {
    const auto* z = static_cast<const uint8_t*>(q.zeros.raw_data());
    u.zeros.assign(z, z + q.rows * groups);
  }
  if (q.has_perm()) {
    const auto* p = q.perm.data<int32_t>();
    u.perm.assign(p, p + q.cols);
  }
  return u;
}

float decode_value(const FormatTraits& t, uint8_t code, float scale, int zero) {
  if (t.codebook == Codebook::kNf4) return scale * kNf4Values[code];
  return scale * static_cast<float>(static_cast<int>(code) - zero);
}

float group_scale(const QuantizedTensor& q, int64_t r, int64_t g) {
  const size_t i = static_cast<size_t>(r * q.groups_per_row() + g);
  if (q.scales.dtype() == DType::kF16) {
    return f16_to_f32(static_cast<const uint16_t*>(q.scales.raw_data())[i]);
  }
  return static_cast<const float*>(q.scales.raw_data())[i];
}

int group_zero(const QuantizedTensor& q, int64_t r, int64_t g) {
  const FormatTraits& t = q.traits();
  if (t.symmetric) return t.implied_zero();
  return static_cast<const uint8_t*>(q.zeros.raw_data())[r * q.groups_per_row() + g];
}

void dequantize_row(const QuantizedTensor& q, int64_t r, float* out) {
  const FormatTraits& t = q.traits();
  const int64_t gl = q.group_length();
  const uint32_t* words = q.row_words(r);
  const uint32_t mask = (1u << t.bits) - 1u;
  const int32_t* perm = q.has_perm() ? q.perm.data<int32_t>() : nullptr;
  for (int64_t c = 0; c < q.cols; ++c) {
    const auto code = static_cast<uint8_t>(
        (words[c / t.codes_per_word] >> (t.bits * (c % t.codes_per_word))) & mask);
    const int64_t g = c / gl;
    const float v = decode_value(t, code, group_scale(q, r, g), group_zero(q, r, g));
    out[perm ? perm[c] : c] = v;
  }
}

Tensor dequantize(const QuantizedTensor& q) {
  Tensor out = Tensor::empty(DType::kF32, {q.rows, q.cols});
  float* o = out.mutable_data<float>();
  for (int64_t r = 0; r < q.rows; ++r) dequantize_row(q, r, o + r * q.cols);
  return out;
}

}  // namespace slimlm::quant
