#include "slimlm/model/layer_runner.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/kernels/cpu/activations.h"
#include "slimlm/kernels/cpu/rms_norm.h"
#include "slimlm/model/weight_names.h"

namespace slimlm::model {
namespace {

// The same splits as forward.cpp, so that every kernel sees the same
// arguments and the results match Model::score bit for bit.
constexpr int64_t kElementwiseGrain = int64_t{1} << 15;
constexpr int64_t kTaskQueries = 128;

void add_inplace(float* x, const float* y, int64_t n) {
  parallel_for(0, n, kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) x[i] += y[i];
  });
}

}  // namespace

LayerRunner::LayerRunner(const io::ModelConfig& c, int64_t layer, int64_t seq_len)
    : config_(c), layer_(layer), seq_len_(seq_len), rope_(c) {
  const std::vector<std::string> why = io::unsupported_features(c);
  if (!why.empty()) {
    throw UnsupportedError(fmt::format("{}: cannot run this model: {}", c.source, why.front()));
  }
  if (layer < 0 || layer >= c.num_hidden_layers) {
    throw Error(fmt::format("LayerRunner: layer {} outside [0, {})", layer, c.num_hidden_layers));
  }
  if (seq_len <= 0) throw Error(fmt::format("LayerRunner: sequence length {} <= 0", seq_len));
  window_ = layer_window(architecture_spec(c.arch), c, layer);
  const int64_t half = c.head_dim / 2;
  cos_.resize(static_cast<size_t>(seq_len * half));
  sin_.resize(static_cast<size_t>(seq_len * half));
  rope_.tables(0, seq_len, cos_.data(), sin_.data());
}

float* LayerRunner::grow(Tensor& t, int64_t n) const {
  if (static_cast<int64_t>(t.numel()) < n) t = Tensor::empty(DType::kF32, {n});
  return t.mutable_data<float>();
}

void LayerRunner::norm(const Tensor& weight, const float* x, float* xn, int64_t n) const {
  kernels::rms_norm_f32(x, weight.data<float>(), xn, n, config_.hidden_size,
                        static_cast<float>(config_.rms_norm_eps));
}

void LayerRunner::attention(const LayerWeights& w, const float* xn, int64_t B, float* att) const {
  const io::ModelConfig& c = config_;
  const int64_t T = seq_len_, n = B * T;
  const int64_t H = c.num_attention_heads, G = H / c.num_key_value_heads, D = c.head_dim;
  const int64_t Q = c.q_dim(), KV = c.kv_dim();
  float* q = grow(q_, n * Q);
  float* k = grow(k_, n * KV);
  float* v = grow(v_, n * KV);
  w.q->forward(xn, n, q);
  w.k->forward(xn, n, k);
  w.v->forward(xn, n, v);
  if (static_cast<int64_t>(rope_rows_.size()) < n) {
    rope_rows_.resize(static_cast<size_t>(n));
    for (int64_t r = 0; r < n; ++r) rope_rows_[static_cast<size_t>(r)] = static_cast<int32_t>(r % T);
  }
  rope_.apply(q, n, Q, H, cos_.data(), sin_.data(), rope_rows_.data());
  rope_.apply(k, n, KV, c.num_key_value_heads, cos_.data(), sin_.data(), rope_rows_.data());

  kernels::AttentionHead proto;
  proto.head_dim = D;
  proto.window = window_;
  proto.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  proto.q_stride = Q;
  proto.out_stride = Q;
  proto.k_stride = proto.v_stride = KV;
  tasks_.clear();
  const int64_t blocks = (T + kTaskQueries - 1) / kTaskQueries;
  for (int64_t blk = blocks - 1; blk >= 0; --blk) {
    const int64_t i0 = blk * kTaskQueries, i1 = std::min(T, i0 + kTaskQueries);
    for (int64_t b = 0; b < B; ++b) {
      const int64_t row = b * T;
      for (int64_t h = 0; h < H; ++h) {
        kernels::AttentionHead a = proto;
        a.q = q + (row + i0) * Q + h * D;
        a.k = k + row * KV + (h / G) * D;
        a.v = v + row * KV + (h / G) * D;
        a.out = att + (row + i0) * Q + h * D;
        a.n_q = i1 - i0;
        a.n_kv = i1;
        tasks_.push_back(a);
      }
    }
  }
  const int64_t per_thread = kernels::attention_scratch_floats(std::min(T, kTaskQueries), T);
  const int64_t threads = num_threads();
  float* scratch = grow(scratch_, per_thread * threads);
  std::atomic<size_t> next{0};
  parallel_for(0, threads, 1, [&](int64_t b, int64_t) {
    float* mine = scratch + b * per_thread;
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < tasks_.size();) {
      kernels::attention_head_f32(tasks_[i], mine);
    }
  });
}

void LayerRunner::mlp_hidden(const LayerWeights& w, const float* xn, int64_t n, float* a) const {
  const int64_t F = config_.intermediate_size;
  float* up = grow(up_, n * F);
  w.gate->forward(xn, n, a);
  w.up->forward(xn, n, up);
  parallel_for(0, n * F, kElementwiseGrain, [&](int64_t b, int64_t e) {
    kernels::silu_mul_f32(a + b, up + b, a + b, e - b);
  });
}

void LayerRunner::forward(const LayerWeights& w, float* x, int64_t B) const {
  const io::ModelConfig& c = config_;
  const int64_t n = B * seq_len_, C = c.hidden_size;
  float* xn = grow(xn_, n * C);
  float* att = grow(att_, n * c.q_dim());
  float* proj = grow(proj_, n * C);
  float* gate = grow(gate_, n * c.intermediate_size);
  norm(w.attn_norm, x, xn, n);
  attention(w, xn, B, att);
  w.o->forward(att, n, proj);
  add_inplace(x, proj, n * C);
  norm(w.mlp_norm, x, xn, n);
  mlp_hidden(w, xn, n, gate);
  w.down->forward(gate, n, proj);
  add_inplace(x, proj, n * C);
}

}  // namespace slimlm::model
