#include "slimlm/compress/block_influence.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "slimlm/core/threads.h"
#include "slimlm/model/layer_runner.h"
#include "slimlm/model/layer_tensors.h"

namespace slimlm::compress {
namespace {

// About this many tokens per forward chunk (the calibration pipeline's size).
constexpr int64_t kChunkTokens = 4096;

}  // namespace

std::vector<double> block_influence(const io::Checkpoint& ck, const io::ModelConfig& c,
                                    const calib::CalibrationSet& set,
                                    const std::function<void(int64_t, int64_t)>& on_layer) {
  const int64_t T = set.seq_len, S = set.samples, N = S * T, C = c.hidden_size, L = c.num_hidden_layers;
  Tensor x_t = Tensor::empty(DType::kF32, {N, C});
  float* x = x_t.mutable_data<float>();
  model::embed_rows(ck, c, set.tokens, x);
  const int64_t per_chunk = std::clamp<int64_t>(kChunkTokens / T, 1, S);
  Tensor y_t = Tensor::empty(DType::kF32, {per_chunk * T, C});
  float* y = y_t.mutable_data<float>();
  std::vector<double> bi(static_cast<size_t>(L), 0.0);
  for (int64_t l = 0; l < L; ++l) {
    if (on_layer) on_layer(l, L);
    const model::LayerTensors w = model::load_layer_tensors(ck, c, l);
    const model::LayerWeights view = model::dense_view(w);
    const model::LayerRunner runner(c, l, T);
    double cos_sum = 0;
    for (int64_t s0 = 0; s0 < S; s0 += per_chunk) {
      const int64_t b = std::min(per_chunk, S - s0), rows = b * T;
      float* xin = x + s0 * T * C;
      std::memcpy(y, xin, static_cast<size_t>(rows * C) * sizeof(float));
      runner.forward(view, y, b);
      std::vector<double> part(static_cast<size_t>(rows));
      parallel_for(0, rows, 64, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; ++r) {
          double dot = 0, na = 0, nb = 0;
          for (int64_t j = 0; j < C; ++j) {
            const double a = xin[r * C + j], o = y[r * C + j];
            dot += a * o;
            na += a * a;
            nb += o * o;
          }
          part[static_cast<size_t>(r)] = na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 1.0;
        }
      });
      for (double p : part) cos_sum += p;
      std::memcpy(xin, y, static_cast<size_t>(rows * C) * sizeof(float));
    }
    bi[static_cast<size_t>(l)] = 1.0 - cos_sum / static_cast<double>(N);
  }
  return bi;
}

std::vector<int64_t> lowest_influence(const std::vector<double>& bi, int64_t count) {
  std::vector<int64_t> idx(bi.size());
  std::iota(idx.begin(), idx.end(), int64_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
    const double x = bi[static_cast<size_t>(a)], y = bi[static_cast<size_t>(b)];
    return x < y || (x == y && a > b);
  });
  idx.resize(static_cast<size_t>(std::clamp<int64_t>(count, 0, static_cast<int64_t>(idx.size()))));
  std::sort(idx.begin(), idx.end());
  return idx;
}

}  // namespace slimlm::compress
