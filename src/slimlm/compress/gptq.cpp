#include "slimlm/compress/gptq.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"
#include "slimlm/kernels/cpu/matmul.h"
#include "slimlm/quant/pack.h"

namespace slimlm::compress {
namespace {

// Rows quantized together: the in-block updates of one column touch this
// many rows × block_size floats, which should stay in L2.
constexpr int64_t kRowsPerTask = 32;

}  // namespace

GptqResult gptq_quantize(const Tensor& weight, const HessianInverse& hi, quant::QuantFormat format,
                         const GptqOptions& opt, std::string_view name,
                         std::span<const double> hessian_diag) {
  const quant::FormatTraits& t = quant::format_traits(format);
  if (weight.dtype() != DType::kF32 || weight.ndim() != 2) {
    throw Error(fmt::format("{}: GPTQ needs an f32 [out, in] weight, got {}", name, weight.describe()));
  }
  const int64_t rows = weight.dim(0), cols = weight.dim(1);
  if (cols != hi.cols) {
    throw Error(fmt::format("{}: weight has {} columns, its Hessian {}", name, cols, hi.cols));
  }
  if (opt.block_size < 1) throw ConfigError(fmt::format("GPTQ block size {} < 1", opt.block_size));
  quant::check_shape(format, rows, cols, name);
  const int64_t gl = t.group_length(cols), groups = t.groups_per_row(cols);
  const int64_t B = opt.block_size;
  const std::vector<int32_t>& perm = hi.perm;
  bool identity = true;
  for (int64_t i = 0; i < cols; ++i) identity = identity && perm[static_cast<size_t>(i)] == i;
  const bool per_channel = t.per_channel();
  // Groups follow the processing order only for act-order with groups
  // fitted on the fly; then the weight is stored in that order.
  const bool store_perm = !identity && !opt.static_groups && !per_channel;

  std::vector<float> imp_proc, imp_orig;
  const bool weighted = opt.clip.enabled && static_cast<int64_t>(hessian_diag.size()) == cols;
  if (weighted) {
    imp_orig.assign(hessian_diag.begin(), hessian_diag.end());
    imp_proc.resize(static_cast<size_t>(cols));
    for (int64_t i = 0; i < cols; ++i) imp_proc[static_cast<size_t>(i)] = imp_orig[static_cast<size_t>(perm[static_cast<size_t>(i)])];
  }

  quant::UnpackedQuant u;
  u.format = format;
  u.rows = rows;
  u.cols = cols;
  u.codes.resize(static_cast<size_t>(rows * cols));
  u.scales.resize(static_cast<size_t>(rows * groups));
  if (!t.symmetric) u.zeros.resize(static_cast<size_t>(rows * groups));
  if (store_perm) u.perm = perm;

  GptqResult result;
  result.dequantized = Tensor::empty(DType::kF32, {rows, cols});
  float* deq = result.dequantized.mutable_data<float>();
  const float* src = weight.data<float>();
  std::mutex mu;
  double loss_total = 0;

  parallel_for(0, rows, kRowsPerTask, [&](int64_t row_begin, int64_t row_end) {
    std::vector<float> wp(static_cast<size_t>(kRowsPerTask * cols));
    std::vector<float> orig(static_cast<size_t>(kRowsPerTask * cols));
    std::vector<float> err(static_cast<size_t>(kRowsPerTask * B));
    std::vector<quant::GroupParams> fixed(static_cast<size_t>(kRowsPerTask * groups));
    std::vector<quant::GroupParams> cur(static_cast<size_t>(kRowsPerTask));
    double loss = 0;
    for (int64_t r0 = row_begin; r0 < row_end; r0 += kRowsPerTask) {
      const int64_t n = std::min(kRowsPerTask, row_end - r0);
      for (int64_t r = 0; r < n; ++r) {
        const float* w = src + (r0 + r) * cols;
        float* o = orig.data() + r * cols;
        float* p = wp.data() + r * cols;
        for (int64_t c = 0; c < cols; ++c) o[c] = hi.dead[static_cast<size_t>(c)] ? 0.0f : w[c];
        for (int64_t i = 0; i < cols; ++i) p[i] = o[perm[static_cast<size_t>(i)]];
        if (per_channel) {
          fixed[static_cast<size_t>(r * groups)] =
              quant::fit_group(t, p, cols, opt.clip, weighted ? imp_proc.data() : nullptr);
        } else if (opt.static_groups) {
          for (int64_t g = 0; g < groups; ++g) {
            fixed[static_cast<size_t>(r * groups + g)] = quant::fit_group(
                t, o + g * gl, gl, opt.clip, weighted ? imp_orig.data() + g * gl : nullptr);
          }
        }
      }
      for (int64_t i1 = 0; i1 < cols; i1 += B) {
        const int64_t i2 = std::min(cols, i1 + B), count = i2 - i1;
        for (int64_t i = i1; i < i2; ++i) {
          const int32_t col = perm[static_cast<size_t>(i)];
          const float d = hi.at(i, i);
          const float* h = hi.row(i);
          const int64_t group = per_channel ? 0 : (store_perm ? i / gl : col / gl);
          const int64_t stored = store_perm ? i : col;
          for (int64_t r = 0; r < n; ++r) {
            float* w = wp.data() + r * cols;
            quant::GroupParams p;
            if (per_channel) {
              p = fixed[static_cast<size_t>(r * groups)];
            } else if (opt.static_groups) {
              p = fixed[static_cast<size_t>(r * groups + group)];
            } else {
              if (i % gl == 0) {
                cur[static_cast<size_t>(r)] =
                    quant::fit_group(t, w + i, gl, opt.clip, weighted ? imp_proc.data() + i : nullptr);
              }
              p = cur[static_cast<size_t>(r)];
            }
            if (!std::isfinite(p.scale)) {
              throw ConfigError(fmt::format("{}: weights of row {} overflow the {} scale of {}", name,
                                            r0 + r, to_string(t.scale_dtype), t.name));
            }
            const uint8_t code = quant::encode(t, w[i], p);
            const float q = quant::decode_value(t, code, p.scale, p.zero);
            const int64_t row = r0 + r;
            u.codes[static_cast<size_t>(row * cols + stored)] = code;
            u.scales[static_cast<size_t>(row * groups + group)] = p.scale;
            if (!t.symmetric) u.zeros[static_cast<size_t>(row * groups + group)] = static_cast<uint8_t>(p.zero);
            deq[row * cols + col] = q;
            const float e = (w[i] - q) / d;
            loss += static_cast<double>(e) * e;
            for (int64_t j = i + 1; j < i2; ++j) w[j] -= e * h[j];
            err[static_cast<size_t>(r * B + (i - i1))] = e;
          }
        }
        if (i2 < cols) {
          // The block's errors, spread over every later column at once.
          kernels::sgemm_serial(false, false, n, cols - i2, count, -1.0f, err.data(), B,
                                hi.row(i1) + i2, cols, 1.0f, wp.data() + i2, cols);
        }
      }
    }
    std::lock_guard lock(mu);
    loss_total += loss;
  });
  result.loss = loss_total / 2;
  result.quantized = quant::pack(u);
  return result;
}

}  // namespace slimlm::compress
