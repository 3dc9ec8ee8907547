#pragma once
// Non-uniform code values. NF4 is bitsandbytes' table exactly (the 16
// quantiles of N(0, 1) of QLoRA, Dettmers et al. 2023, normalised to [-1, 1]
// with an exact zero), so an NF4 code means the same here as there.
#include <array>
#include <cstdint>

namespace slimlm::quant {

inline constexpr std::array<float, 16> kNf4Values = {
    -1.0f,
    -0.6961928009986877f,
    -0.5250730514526367f,
    -0.39491748809814453f,
    -0.28444138169288635f,
    -0.18477343022823334f,
    -0.09105003625154495f,
    0.0f,
    0.07958029955625534f,
    0.16093020141124725f,
    0.24611230194568634f,
    0.33791524171829224f,
    0.44070982933044434f,
    0.5626170039176941f,
    0.7229568362236023f,
    1.0f,
};

// The NF4 code nearest to v (v already divided by the block's absmax); ties
// go to the lower code, as bitsandbytes' midpoint comparisons do.
inline uint8_t nearest_nf4(float v) {
  uint8_t code = 0;
  for (uint8_t k = 1; k < 16; ++k) {
    const float mid = 0.5f * (kNf4Values[k - 1] + kNf4Values[k]);
    if (v > mid) code = k;
  }
  return code;
}

}  // namespace slimlm::quant
