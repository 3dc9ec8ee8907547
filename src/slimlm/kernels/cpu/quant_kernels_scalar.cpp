// Portable kernels: decode one group of codes into floats, then plain dot
// products the compiler can vectorise with the baseline ISA.
#include <vector>

#include "slimlm/core/convert.h"
#include "slimlm/kernels/cpu/quant_kernels.h"
#include "slimlm/quant/codebook.h"

namespace slimlm::kernels::cpu {
namespace {

float scale_at(const QuantView& w, int64_t i) {
  return w.scales_f16 ? f16_to_f32(static_cast<const uint16_t*>(w.scales)[i])
                      : static_cast<const float*>(w.scales)[i];
}

template <int kBits>
void decode(const uint32_t* words, int64_t c0, int64_t n, bool nf4, float* out) {
  constexpr int64_t kPer = 32 / kBits;
  constexpr uint32_t kMask = (1u << kBits) - 1u;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = c0 + i;
    const uint32_t code = (words[c / kPer] >> (kBits * (c % kPer))) & kMask;
    out[i] = nf4 ? quant::kNf4Values[code] : static_cast<float>(code);
  }
}

void decode_any(const QuantView& w, const uint32_t* words, int64_t c0, int64_t n, float* out) {
  switch (w.bits) {
    case 2: return decode<2>(words, c0, n, w.nf4, out);
    case 3: return decode<3>(words, c0, n, w.nf4, out);
    case 4: return decode<4>(words, c0, n, w.nf4, out);
    default: return decode<8>(words, c0, n, w.nf4, out);
  }
}

float dot(const float* a, const float* b, int64_t n) {
  float acc[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float s = 0.f;
  for (int j = 0; j < 8; ++j) s += acc[j];
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

XOrder order(const QuantView&) { return XOrder::kNatural; }

void rows(const QuantRowsArgs& a, int64_t r0, int64_t r1) {
  const QuantView& w = *a.w;
  std::vector<float> buf(static_cast<size_t>(w.group));
  std::vector<float> acc(static_cast<size_t>(a.M));
  for (int64_t r = r0; r < r1; ++r) {
    const uint32_t* words = w.codes + r * w.words_per_row;
    std::fill(acc.begin(), acc.end(), 0.0f);
    for (int64_t g = 0; g < w.groups; ++g) {
      decode_any(w, words, g * w.group, w.group, buf.data());
      const float s = scale_at(w, r * w.groups + g);
      const float z = w.nf4 ? 0.0f
                      : w.zeros ? static_cast<float>(w.zeros[r * w.groups + g])
                                : static_cast<float>(w.implied_zero);
      for (int64_t m = 0; m < a.M; ++m) {
        const float d = dot(buf.data(), a.x + m * w.cols + g * w.group, w.group);
        acc[static_cast<size_t>(m)] += s * (d - z * a.xsum[m * w.groups + g]);
      }
    }
    for (int64_t m = 0; m < a.M; ++m) a.y[m * a.ldy + r] = acc[static_cast<size_t>(m)];
  }
}

void dequant(const QuantView& w, int64_t r0, int64_t r1, float* out) {
  for (int64_t r = r0; r < r1; ++r) {
    const uint32_t* words = w.codes + r * w.words_per_row;
    float* o = out + (r - r0) * w.cols;
    decode_any(w, words, 0, w.cols, o);
    for (int64_t g = 0; g < w.groups; ++g) {
      const float s = scale_at(w, r * w.groups + g);
      const float z = w.nf4 ? 0.0f
                      : w.zeros ? static_cast<float>(w.zeros[r * w.groups + g])
                                : static_cast<float>(w.implied_zero);
      float* og = o + g * w.group;
      for (int64_t i = 0; i < w.group; ++i) og[i] = s * (og[i] - z);
    }
  }
}

}  // namespace

const QuantKernels& quant_kernels_scalar() {
  static const QuantKernels k{&order, &rows, &dequant};
  return k;
}

}  // namespace slimlm::kernels::cpu
