#include "slimlm/quant/rtn.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <vector>

#include "slimlm/core/convert.h"
#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"
#include "slimlm/quant/codebook.h"
#include "slimlm/quant/pack.h"

namespace slimlm::quant {
namespace {

float round_scale(double s, DType dt) {
  const auto f = static_cast<float>(s);
  return dt == DType::kF16 ? f16_to_f32(f32_to_f16(f)) : f;
}

// Scale and zero point from the group's range shrunk by `shrink` (1 = none).
GroupParams range_params(const FormatTraits& t, const float* w, int64_t n, double shrink) {
  float lo = 0.0f, hi = 0.0f;  // the range always includes 0
  for (int64_t i = 0; i < n; ++i) {
    lo = std::min(lo, w[i]);
    hi = std::max(hi, w[i]);
  }
  GroupParams p;
  if (t.codebook == Codebook::kNf4) {
    p.scale = round_scale(shrink * std::max(-lo, hi), t.scale_dtype);
    return p;
  }
  const int maxq = t.max_code();
  if (t.symmetric) {
    p.zero = t.implied_zero();
    p.scale = round_scale(shrink * std::max(-lo, hi) / (maxq / 2.0), t.scale_dtype);
    return p;
  }
  const double range = shrink * (static_cast<double>(hi) - lo);
  p.scale = round_scale(range / maxq, t.scale_dtype);
  p.zero = p.scale > 0
               ? std::clamp(static_cast<int>(std::nearbyint(-shrink * lo / p.scale)), 0, maxq)
               : 0;
  return p;
}

// Round half to even (torch.round, nearbyint) by the 1.5·2^23 trick: exact
// for |x| < 2^22, and beyond that still far outside every code range, so the
// clamp that follows gives the same code. Unlike nearbyint it vectorizes.
inline float round_even(float x) {
  constexpr float kMagic = 12582912.0f;
  return (x + kMagic) - kMagic;
}

inline float uniform_code(float w, float scale, float zero, float maxq) {
  return std::min(std::max(round_even(w / scale) + zero, 0.0f), maxq);
}

// The clip search's inner loop for integer formats, eight independent
// partial sums so that the compiler vectorizes it (it runs ~20 times a weight).
template <bool kImportance>
double uniform_error_impl(const float* w, int64_t n, float scale, float z, float mq, const float* imp) {
  float acc[8] = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    float d[8];
    for (int j = 0; j < 8; ++j) d[j] = scale * (uniform_code(w[i + j], scale, z, mq) - z) - w[i + j];
    for (int j = 0; j < 8; ++j) acc[j] += (kImportance ? imp[i + j] : 1.0f) * d[j] * d[j];
  }
  double err = 0;
  for (float a : acc) err += a;
  for (; i < n; ++i) {
    const double d = scale * (uniform_code(w[i], scale, z, mq) - z) - w[i];
    err += (kImportance ? imp[i] : 1.0) * d * d;
  }
  return err;
}

double uniform_error(const float* w, int64_t n, float scale, int zero, int maxq, const float* imp) {
  const float z = static_cast<float>(zero), mq = static_cast<float>(maxq);
  return imp ? uniform_error_impl<true>(w, n, scale, z, mq, imp)
             : uniform_error_impl<false>(w, n, scale, z, mq, imp);
}

// NF4's level of v = w / absmax without a table lookup: the bottom level plus
// the step to each next level whose midpoint v exceeds (the same comparisons
// as nearest_nf4), so the loop vectorizes. Equal to kNf4Values[code] up to
// f32 rounding of the partial sums, which only the search's comparisons see.
struct Nf4Steps {
  float mid[15];
  float step[15];
};
constexpr Nf4Steps make_nf4_steps() {
  Nf4Steps t{};
  for (int k = 1; k < 16; ++k) {
    t.mid[k - 1] = 0.5f * (kNf4Values[static_cast<size_t>(k - 1)] + kNf4Values[static_cast<size_t>(k)]);
    t.step[k - 1] = kNf4Values[static_cast<size_t>(k)] - kNf4Values[static_cast<size_t>(k - 1)];
  }
  return t;
}
constexpr Nf4Steps kNf4Steps = make_nf4_steps();

inline float nf4_level(float v) {
  float level = kNf4Values[0];
  for (int k = 0; k < 15; ++k) level += v > kNf4Steps.mid[k] ? kNf4Steps.step[k] : 0.0f;
  return level;
}

// Σ importance · (scale · level − w)² and the refit sums Σ a·w·level,
// Σ a·level², for NF4 groups.
template <bool kImportance>
void nf4_sums(const float* w, int64_t n, float scale, const float* imp, double& err, double& num,
              double& den) {
  float e[8] = {}, sn[8] = {}, sd[8] = {};
  const float inv = 1.0f / scale;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int j = 0; j < 8; ++j) {
      const float l = nf4_level(w[i + j] * inv);
      const float a = kImportance ? imp[i + j] : 1.0f;
      const float d = scale * l - w[i + j];
      e[j] += a * d * d;
      sn[j] += a * w[i + j] * l;
      sd[j] += a * l * l;
    }
  }
  err = num = den = 0;
  for (int j = 0; j < 8; ++j) {
    err += e[j];
    num += sn[j];
    den += sd[j];
  }
  for (; i < n; ++i) {
    const double l = kNf4Values[nearest_nf4(w[i] / scale)];
    const double a = kImportance ? imp[i] : 1.0;
    const double d = scale * l - w[i];
    err += a * d * d;
    num += a * w[i] * l;
    den += a * l * l;
  }
}

void nf4_sums(const float* w, int64_t n, float scale, const float* imp, double& err, double& num,
              double& den) {
  if (imp) {
    nf4_sums<true>(w, n, scale, imp, err, num, den);
  } else {
    nf4_sums<false>(w, n, scale, imp, err, num, den);
  }
}

// Unit-scale level of a code: w ≈ scale * level.
float level(const FormatTraits& t, uint8_t code, int zero) {
  return t.codebook == Codebook::kNf4 ? kNf4Values[code] : static_cast<float>(code - zero);
}

// The least-squares scale for the codes p gives (zero point kept).
GroupParams refit(const FormatTraits& t, const float* w, int64_t n, const GroupParams& p,
                  const float* imp) {
  if (t.codebook == Codebook::kUniform && p.scale > 0) {
    float sn[8] = {}, sd[8] = {};
    const float z = static_cast<float>(p.zero), mq = static_cast<float>(t.max_code());
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
      float v[8];
      for (int j = 0; j < 8; ++j) v[j] = uniform_code(w[i + j], p.scale, z, mq) - z;
      if (imp) {
        for (int j = 0; j < 8; ++j) {
          sn[j] += imp[i + j] * w[i + j] * v[j];
          sd[j] += imp[i + j] * v[j] * v[j];
        }
      } else {
        for (int j = 0; j < 8; ++j) {
          sn[j] += w[i + j] * v[j];
          sd[j] += v[j] * v[j];
        }
      }
    }
    double num = 0, den = 0;
    for (int j = 0; j < 8; ++j) {
      num += sn[j];
      den += sd[j];
    }
    for (; i < n; ++i) {
      const double v = uniform_code(w[i], p.scale, z, mq) - z;
      const double a = imp ? imp[i] : 1.0;
      num += a * w[i] * v;
      den += a * v * v;
    }
    GroupParams q = p;
    if (den > 0 && num > 0) q.scale = round_scale(num / den, t.scale_dtype);
    return q;
  }
  if (t.codebook == Codebook::kNf4 && p.scale > 0) {
    double err, num, den;
    nf4_sums(w, n, p.scale, imp, err, num, den);
    GroupParams q = p;
    if (den > 0 && num > 0) q.scale = round_scale(num / den, t.scale_dtype);
    return q;
  }
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = level(t, encode(t, w[i], p), p.zero);
    const double a = imp ? imp[i] : 1.0;
    num += a * w[i] * v;
    den += a * v * v;
  }
  GroupParams q = p;
  if (den > 0 && num > 0) q.scale = round_scale(num / den, t.scale_dtype);
  return q;
}

}  // namespace

uint8_t encode(const FormatTraits& t, float w, const GroupParams& p) {
  if (t.codebook == Codebook::kNf4) return p.scale > 0 ? nearest_nf4(w / p.scale) : uint8_t{7};
  if (!(p.scale > 0)) return static_cast<uint8_t>(p.zero);
  // torch.round (GPTQ, compressed-tensors) rounds half to even.
  return static_cast<uint8_t>(
      uniform_code(w, p.scale, static_cast<float>(p.zero), static_cast<float>(t.max_code())));
}

double group_error(const FormatTraits& t, const float* w, int64_t n, const GroupParams& p,
                   const float* imp) {
  if (t.codebook == Codebook::kUniform && p.scale > 0) {
    return uniform_error(w, n, p.scale, p.zero, t.max_code(), imp);
  }
  if (t.codebook == Codebook::kNf4 && p.scale > 0) {
    double err, num, den;
    nf4_sums(w, n, p.scale, imp, err, num, den);
    return err;
  }
  double err = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(p.scale) * level(t, encode(t, w[i], p), p.zero) - w[i];
    err += (imp ? imp[i] : 1.0) * d * d;
  }
  return err;
}

GroupParams fit_group(const FormatTraits& t, const float* w, int64_t n, const ClipSearch& clip,
                      const float* imp) {
  GroupParams best = range_params(t, w, n, 1.0);
  if (!clip.enabled) return best;
  double best_err = group_error(t, w, n, best, imp);
  const int steps = static_cast<int>(std::floor(clip.max_shrink * clip.grid + 1e-9));
  for (int i = 0; i <= steps; ++i) {
    const GroupParams p = range_params(t, w, n, 1.0 - static_cast<double>(i) / clip.grid);
    for (int pass = 0; pass < (clip.refit_scale ? 2 : 1); ++pass) {
      const GroupParams c = pass == 0 ? p : refit(t, w, n, p, imp);
      const double e = group_error(t, w, n, c, imp);
      if (e < best_err) {
        best_err = e;
        best = c;
      }
    }
  }
  return best;
}

QuantizedTensor quantize_rtn(const Tensor& weight, QuantFormat format, const RtnOptions& opt,
                             std::string_view name, QuantError* error) {
  const FormatTraits& t = format_traits(format);
  if (weight.ndim() != 2) {
    throw ConfigError(fmt::format("{}: only 2-D weights can be quantized, got {}", name,
                                  weight.describe()));
  }
  const DType dt = weight.dtype();
  if (dt != DType::kF32 && dt != DType::kF16 && dt != DType::kBF16) {
    throw UnsupportedError(fmt::format("{}: cannot quantize {} weights", name, to_string(dt)));
  }
  const int64_t rows = weight.dim(0), cols = weight.dim(1);
  check_shape(format, rows, cols, name);
  if (!opt.importance.empty() && opt.importance.size() != static_cast<size_t>(cols)) {
    throw ConfigError(fmt::format("{}: importance has {} values for {} columns", name,
                                  opt.importance.size(), cols));
  }
  const int64_t gl = t.group_length(cols), groups = t.groups_per_row(cols);
  UnpackedQuant u;
  u.format = format;
  u.rows = rows;
  u.cols = cols;
  u.codes.resize(static_cast<size_t>(rows * cols));
  u.scales.resize(static_cast<size_t>(rows * groups));
  if (!t.symmetric) u.zeros.resize(static_cast<size_t>(rows * groups));

  const size_t esize = dtype_traits(dt).block_bytes;
  const auto* src = static_cast<const uint8_t*>(weight.raw_data());
  const float* imp = opt.importance.empty() ? nullptr : opt.importance.data();
  std::mutex mu;
  QuantError total;
  parallel_for(0, rows, 1, [&](int64_t r0, int64_t r1) {
    std::vector<float> buf(static_cast<size_t>(cols));
    QuantError local;
    for (int64_t r = r0; r < r1; ++r) {
      const float* w;
      if (dt == DType::kF32) {
        w = reinterpret_cast<const float*>(src + static_cast<size_t>(r * cols) * esize);
      } else {
        convert(src + static_cast<size_t>(r * cols) * esize, dt, buf.data(), DType::kF32,
                static_cast<size_t>(cols));
        w = buf.data();
      }
      for (int64_t c = 0; c < cols; ++c) {
        if (!std::isfinite(w[c])) {
          throw FormatError(fmt::format("{}: non-finite weight {} at [{}, {}]", name, w[c], r, c));
        }
      }
      for (int64_t g = 0; g < groups; ++g) {
        const float* wg = w + g * gl;
        const GroupParams p = fit_group(t, wg, gl, opt.clip, imp ? imp + g * gl : nullptr);
        if (!std::isfinite(p.scale)) {
          throw ConfigError(fmt::format("{}: weights of row {} overflow the {} scale of {}", name,
                                        r, to_string(t.scale_dtype), t.name));
        }
        const auto gi = static_cast<size_t>(r * groups + g);
        u.scales[gi] = p.scale;
        if (!t.symmetric) u.zeros[gi] = static_cast<uint8_t>(p.zero);
        uint8_t* codes = u.codes.data() + r * cols + g * gl;
        for (int64_t i = 0; i < gl; ++i) {
          codes[i] = encode(t, wg[i], p);
          const double d = static_cast<double>(p.scale) * level(t, codes[i], p.zero) - wg[i];
          local.sse += d * d;
          local.sum_sq += static_cast<double>(wg[i]) * wg[i];
        }
      }
    }
    std::lock_guard lock(mu);
    total.sse += local.sse;
    total.sum_sq += local.sum_sq;
  });
  if (error) *error = total;
  return pack(u);
}

}  // namespace slimlm::quant
