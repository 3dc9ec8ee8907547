#include "slimlm/compress/sparsegpt.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"
#include "slimlm/kernels/cpu/matmul.h"
#include "slimlm/quant/pack.h"
#include "slimlm/quant/rtn.h"

namespace slimlm::compress {
namespace {

int64_t floor_count(int64_t n, double ratio) {
  return static_cast<int64_t>(std::floor(static_cast<double>(n) * ratio + 1e-9));
}

}  // namespace

SparseGptResult sparsegpt_prune(float* w, int64_t rows, int64_t cols, const HessianInverse& hinv,
                                const SparsityPattern& pattern, int64_t block_size,
                                std::optional<quant::QuantFormat> quantize) {
  if (hinv.cols != cols) {
    throw Error(fmt::format("sparsegpt_prune: a Hessian factor of {} columns for a weight of {}", hinv.cols, cols));
  }
  for (int64_t i = 0; i < cols; ++i) {
    if (hinv.perm[static_cast<size_t>(i)] != i) throw Error("sparsegpt_prune: the factor must not be act-ordered");
  }
  pattern.check_shape(rows, cols, "sparsegpt");
  if (block_size < 1 || (pattern.is_nm() && block_size % pattern.m != 0)) {
    throw ConfigError(fmt::format("sparsegpt: block size {} must be a positive multiple of M", block_size));
  }
  SparseGptResult res;
  res.dead_columns = hinv.dead_count();
  for (int64_t j = 0; j < cols; ++j) {
    if (!hinv.dead[static_cast<size_t>(j)]) continue;
    for (int64_t r = 0; r < rows; ++r) w[r * cols + j] = 0.0f;
  }
  // Joint quantization: codes and group parameters as the columns go.
  const quant::FormatTraits* qt = quantize ? &quant::format_traits(*quantize) : nullptr;
  quant::UnpackedQuant u;
  int64_t gl = cols, groups = 1;
  std::vector<quant::GroupParams> params;
  if (qt) {
    quant::check_shape(*quantize, rows, cols, "sparsegpt");
    gl = qt->group_length(cols);
    groups = qt->groups_per_row(cols);
    u.format = *quantize;
    u.rows = rows;
    u.cols = cols;
    u.codes.resize(static_cast<size_t>(rows * cols));
    u.scales.resize(static_cast<size_t>(rows * groups));
    if (!qt->symmetric) u.zeros.resize(static_cast<size_t>(rows * groups));
    params.resize(static_cast<size_t>(rows));
    if (qt->per_channel()) {
      for (int64_t r = 0; r < rows; ++r) params[static_cast<size_t>(r)] = quant::fit_group(*qt, w + r * cols, cols, {});
    }
  }

  std::vector<uint8_t> mask(static_cast<size_t>(rows * block_size));
  std::vector<float> err(static_cast<size_t>(rows * block_size));
  std::vector<float> score;
  std::vector<double> loss_rows(static_cast<size_t>(rows), 0.0);
  std::atomic<int64_t> pruned{0};

  for (int64_t i1 = 0; i1 < cols; i1 += block_size) {
    const int64_t i2 = std::min(cols, i1 + block_size), count = i2 - i1;
    std::fill(mask.begin(), mask.end(), uint8_t{0});
    if (!pattern.is_nm()) {
      // This block's share of the tensor's quota, by cumulative counts.
      const int64_t k = floor_count(rows * i2, pattern.ratio) - floor_count(rows * i1, pattern.ratio);
      score.resize(static_cast<size_t>(rows * count));
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t i = 0; i < count; ++i) {
          const double d = hinv.at(i1 + i, i1 + i);
          const double v = w[r * cols + i1 + i];
          score[static_cast<size_t>(r * count + i)] = static_cast<float>(v * v / (d * d));
        }
      }
      std::vector<uint8_t> block_mask(static_cast<size_t>(rows * count));
      mask_lowest_in_row(score.data(), rows * count, k, block_mask.data());
      for (int64_t r = 0; r < rows; ++r) {
        std::copy_n(block_mask.begin() + r * count, count, mask.begin() + r * block_size);
      }
    }
    parallel_for(0, rows, 8, [&](int64_t r0, int64_t r1) {
      std::vector<float> tmp(static_cast<size_t>(pattern.is_nm() ? pattern.m : 0));
      int64_t local_pruned = 0;
      for (int64_t r = r0; r < r1; ++r) {
        float* wr = w + r * cols;
        uint8_t* mr = mask.data() + r * block_size;
        float* er = err.data() + r * block_size;
        double loss = 0;
        for (int64_t i = 0; i < count; ++i) {
          const int64_t c = i1 + i;
          if (pattern.is_nm() && i % pattern.m == 0) {
            for (int j = 0; j < pattern.m; ++j) {
              const double d = hinv.at(c + j, c + j);
              const double v = wr[c + j];
              tmp[static_cast<size_t>(j)] = static_cast<float>(v * v / (d * d));
            }
            mask_nm_row(tmp.data(), pattern.m, pattern.n, pattern.m, mr + i);
          }
          const float wv = wr[c];
          float q = mr[i] ? 0.0f : wv;
          if (qt) {
            quant::GroupParams& gp = params[static_cast<size_t>(r)];
            if (!qt->per_channel() && c % gl == 0) gp = quant::fit_group(*qt, wr + c, gl, {});
            if (!std::isfinite(gp.scale)) {
              throw ConfigError(fmt::format("sparsegpt: weights of row {} overflow the {} scale of {}", r,
                                            to_string(qt->scale_dtype), qt->name));
            }
            const uint8_t code = quant::encode(*qt, q, gp);
            q = quant::decode_value(*qt, code, gp.scale, gp.zero);
            u.codes[static_cast<size_t>(r * cols + c)] = code;
            u.scales[static_cast<size_t>(r * groups + c / gl)] = gp.scale;
            if (!qt->symmetric) u.zeros[static_cast<size_t>(r * groups + c / gl)] = static_cast<uint8_t>(gp.zero);
          }
          const float d = hinv.at(c, c);
          const float e = (wv - q) / d;
          loss += static_cast<double>(wv - q) * (wv - q) / (static_cast<double>(d) * d);
          const float* u = hinv.row(c);
          for (int64_t j = c + 1; j < i2; ++j) wr[j] -= e * u[j];
          wr[c] = q;  // exactly zero when pruned, whatever the rounding of w − e·d
          er[i] = e;
          local_pruned += mr[i];
        }
        loss_rows[static_cast<size_t>(r)] += loss / 2;
      }
      pruned.fetch_add(local_pruned, std::memory_order_relaxed);
    });
    if (i2 < cols) {
      // W[:, i2:] -= Err[:, :count] · U[i1:i2, i2:]
      parallel_for(0, rows, 32, [&](int64_t r0, int64_t r1) {
        kernels::sgemm_serial(false, false, r1 - r0, cols - i2, count, -1.0f, err.data() + r0 * block_size,
                              block_size, hinv.row(i1) + i2, cols, 1.0f, w + r0 * cols + i2, cols);
      });
    }
  }
  for (double l : loss_rows) res.loss += l;
  if (qt) res.quantized = quant::pack(u);
  res.pruned = pruned.load();
  return res;
}

}  // namespace slimlm::compress
