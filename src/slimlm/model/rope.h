#pragma once
// Rotary position embedding in Hugging Face's rotate-half layout: element i
// of a head pairs with element i + D/2, both rotated by position · inv_freq[i].
//
// The frequencies follow transformers' rope init functions step by step in
// f32 (default, linear, llama3), because the goldens come from there: an f64
// computation drifts by an ulp here and there, which shows up in the logits.
#include <cstdint>
#include <vector>

#include "slimlm/io/model_config.h"

namespace slimlm::model {

// inv_freq[D/2] for the config's head_dim, rope_theta and rope_scaling.
// Throws UnsupportedError naming config.json for scaling types slimlm lacks.
std::vector<float> rope_inv_freq(const io::ModelConfig& c);

class Rope {
 public:
  explicit Rope(const io::ModelConfig& c);

  int64_t head_dim() const { return head_dim_; }
  const std::vector<float>& inv_freq() const { return inv_freq_; }

  // cos and sin [n, D/2] for positions first .. first + n - 1: angle =
  // f32(position · inv_freq[i]) as transformers forms it, then cos / sin
  // correctly rounded.
  void tables(int64_t first, int64_t n, float* cos, float* sin) const;

  // Rotates n rows of `heads` heads in place; row r starts at x + r * stride
  // and uses table row rows[r] of cos / sin.
  void apply(float* x, int64_t n, int64_t stride, int64_t heads, const float* cos,
             const float* sin, const int32_t* rows) const;

 private:
  int64_t head_dim_;
  std::vector<float> inv_freq_;
};

}  // namespace slimlm::model
