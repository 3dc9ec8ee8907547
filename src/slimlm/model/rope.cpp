#include "slimlm/model/rope.h"

#include <cmath>
#include <numbers>

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::model {
namespace {

// transformers' _compute_default_rope_parameters:
//   1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
// every step an f32 tensor op (a python scalar takes the tensor's dtype).
std::vector<float> default_inv_freq(double theta, int64_t dim) {
  const float base = static_cast<float>(theta);
  std::vector<float> inv(static_cast<size_t>(dim / 2));
  for (int64_t i = 0; i < dim / 2; ++i) {
    const float exponent = static_cast<float>(2 * i) / static_cast<float>(dim);
    const float p = static_cast<float>(std::pow(double(base), double(exponent)));
    inv[static_cast<size_t>(i)] = 1.0f / p;
  }
  return inv;
}

// transformers' _compute_llama3_parameters, same f32 arithmetic and order.
// (`2 * math.pi / inv_freq` is reciprocal(inv_freq) * f32(2π) in torch.)
void llama3_scale(std::vector<float>& inv, const io::RopeScaling& s) {
  const float factor = static_cast<float>(s.factor);
  const float low = static_cast<float>(s.low_freq_factor);
  // A python float expression in transformers: formed in f64, then f32.
  const float span = static_cast<float>(s.high_freq_factor - s.low_freq_factor);
  const double old_len = static_cast<double>(s.original_max_position_embeddings);
  const float low_wavelen = static_cast<float>(old_len / s.low_freq_factor);
  const float high_wavelen = static_cast<float>(old_len / s.high_freq_factor);
  const float two_pi = static_cast<float>(2.0 * std::numbers::pi);
  const float old_len_f = static_cast<float>(old_len);
  for (float& f : inv) {
    const float wavelen = (1.0f / f) * two_pi;
    const float scaled = wavelen > low_wavelen ? f / factor : f;
    const float smooth = ((1.0f / wavelen) * old_len_f - low) / span;
    const float smoothed = (1.0f - smooth) * scaled / factor + smooth * scaled;
    const bool medium = !(wavelen < high_wavelen) && !(wavelen > low_wavelen);
    f = medium ? smoothed : scaled;
  }
}

}  // namespace

std::vector<float> rope_inv_freq(const io::ModelConfig& c) {
  if (c.head_dim <= 0 || c.head_dim % 2 != 0) {
    throw UnsupportedError(fmt::format("{}: head_dim {} must be even for rotary embeddings",
                                       c.source, c.head_dim));
  }
  std::vector<float> inv = default_inv_freq(c.rope_theta, c.head_dim);
  const io::RopeScaling& s = c.rope_scaling;
  switch (s.type) {
    case io::RopeScalingType::kDefault:
      return inv;
    case io::RopeScalingType::kLinear: {
      const float factor = static_cast<float>(s.factor);
      for (float& f : inv) f = f / factor;
      return inv;
    }
    case io::RopeScalingType::kLlama3:
      llama3_scale(inv, s);
      return inv;
    case io::RopeScalingType::kDynamic:
    case io::RopeScalingType::kYarn:
    case io::RopeScalingType::kOther:
      break;
  }
  throw UnsupportedError(fmt::format("{}: rope scaling type '{}' is not supported (supported: "
                                     "default, linear, llama3)",
                                     c.source, s.type_name));
}

Rope::Rope(const io::ModelConfig& c) : head_dim_(c.head_dim), inv_freq_(rope_inv_freq(c)) {}

void Rope::tables(int64_t first, int64_t n, float* cos, float* sin) const {
  const int64_t half = head_dim_ / 2;
  for (int64_t r = 0; r < n; ++r) {
    const float pos = static_cast<float>(first + r);
    for (int64_t i = 0; i < half; ++i) {
      const float angle = pos * inv_freq_[static_cast<size_t>(i)];
      cos[r * half + i] = static_cast<float>(std::cos(double(angle)));
      sin[r * half + i] = static_cast<float>(std::sin(double(angle)));
    }
  }
}

void Rope::apply(float* x, int64_t n, int64_t stride, int64_t heads, const float* cos,
                 const float* sin, const int32_t* rows) const {
  const int64_t half = head_dim_ / 2;
  for (int64_t r = 0; r < n; ++r) {
    const float* c = cos + rows[r] * half;
    const float* s = sin + rows[r] * half;
    for (int64_t h = 0; h < heads; ++h) {
      float* a = x + r * stride + h * head_dim_;
      float* b = a + half;
      // q * cos + rotate_half(q) * sin, rotate_half(q) = (-q2, q1).
      for (int64_t i = 0; i < half; ++i) {
        const float x1 = a[i], x2 = b[i];
        a[i] = x1 * c[i] - x2 * s[i];
        b[i] = x2 * c[i] + x1 * s[i];
      }
    }
  }
}

}  // namespace slimlm::model
