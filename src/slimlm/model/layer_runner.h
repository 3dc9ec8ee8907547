#pragma once
// Runs one decoder layer, or one part of it, over B sequences of T tokens
// that each start at position 0 (calibration windows), with the layer's
// weights given explicitly rather than taken from a loaded Model. Compression
// passes use the parts: GPTQ needs each Linear's input after the Linears
// before it were compressed, AWQ scores candidate scales on the attention or
// MLP block's output.
//
// It calls the same kernels in the same order as Model::score (forward.cpp),
// so a layer's output equals Model::score's hidden state bit for bit (tested
// in tests/calib/layer_runner_test.cpp). Shape letters as in model.h; rows
// are packed [B * T, ...], sequence b at rows b*T .. b*T + T - 1.
//
// Not for concurrent use: the runner owns its scratch buffers. Every
// product runs on the slimlm pool.
#include <cstdint>
#include <vector>

#include "slimlm/core/tensor.h"
#include "slimlm/io/model_config.h"
#include "slimlm/kernels/cpu/attention.h"
#include "slimlm/model/rope.h"
#include "slimlm/model/weights.h"

namespace slimlm::model {

class LayerRunner {
 public:
  // Throws UnsupportedError as Model does for configs slimlm cannot run.
  LayerRunner(const io::ModelConfig& c, int64_t layer, int64_t seq_len);

  const io::ModelConfig& config() const { return config_; }
  int64_t seq_len() const { return seq_len_; }

  // xn[n, C] = RMSNorm(x[n, C]) with `weight` (f32 [C]); xn may be x.
  void norm(const Tensor& weight, const float* x, float* xn, int64_t n) const;

  // att[B*T, Q]: causal self-attention over q/k/v projections of xn[B*T, C]
  // (rope applied), before o_proj.
  void attention(const LayerWeights& w, const float* xn, int64_t B, float* att) const;

  // a[n, F] = silu(gate(xn)) * up(xn).
  void mlp_hidden(const LayerWeights& w, const float* xn, int64_t n, float* a) const;

  // The whole layer, in place: x[B*T, C] becomes the layer's output.
  void forward(const LayerWeights& w, float* x, int64_t B) const;

 private:
  float* grow(Tensor& t, int64_t n) const;

  io::ModelConfig config_;
  int64_t layer_;
  int64_t seq_len_;
  int64_t window_;
  Rope rope_;
  std::vector<float> cos_, sin_;
  mutable std::vector<int32_t> rope_rows_;
  mutable Tensor q_, k_, v_, xn_, att_, proj_, gate_, up_, scratch_;
  mutable std::vector<kernels::AttentionHead> tasks_;
};

}  // namespace slimlm::model
