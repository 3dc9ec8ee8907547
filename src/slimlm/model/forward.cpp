#include "slimlm/model/forward.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/threads.h"
#include "slimlm/kernels/cpu/activations.h"
#include "slimlm/kernels/cpu/attention.h"
#include "slimlm/kernels/cpu/rms_norm.h"
#include "slimlm/model/model.h"

namespace slimlm::model {
namespace {

// Element-wise work below this many floats stays on the calling thread.
constexpr int64_t kElementwiseGrain = int64_t{1} << 15;
// Queries per attention task in score(): small enough to balance causal
// rows (later queries see more keys) over threads, large enough for sgemm.
constexpr int64_t kTaskQueries = 128;
// Attention below this many multiply-adds (a short decode step) is not
// worth waking the pool for.
constexpr int64_t kParallelAttentionMacs = int64_t{1} << 17;

void add_inplace(float* x, const float* y, int64_t n) {
  parallel_for(0, n, kElementwiseGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) x[i] += y[i];
  });
}

void silu_mul(float* gate, const float* up, int64_t n) {
  parallel_for(0, n, kElementwiseGrain, [&](int64_t b, int64_t e) {
    kernels::silu_mul_f32(gate + b, up + b, gate + b, e - b);
  });
}

// Fills ws.tasks with one AttentionHead per (segment, query block, head).
void plan_attention(const Model& m, Workspace& ws, const Pass& p, int64_t layer) {
  const io::ModelConfig& c = m.config();
  const int64_t H = c.num_attention_heads, G = H / c.num_key_value_heads, D = c.head_dim;
  const int64_t Q = c.q_dim(), KV = c.kv_dim();
  kernels::AttentionHead proto;
  proto.head_dim = D;
  proto.window = m.layer_window(layer);
  // transformers: attn_weights * head_dim**-0.5, the scalar rounded to f32.
  proto.scale = static_cast<float>(1.0 / std::sqrt(static_cast<double>(D)));
  proto.q_stride = Q;
  proto.out_stride = Q;
  ws.tasks.clear();

  if (p.cache) {
    KvCache& kv = *p.cache;
    const int64_t first = kv.size();
    for (int64_t h = 0; h < H; ++h) {
      kernels::AttentionHead a = proto;
      a.q = ws.q.data<float>() + h * D;
      a.k = kv.keys(layer, h / G);
      a.v = kv.values(layer, h / G);
      a.k_stride = a.v_stride = D;
      a.out = ws.att.mutable_data<float>() + h * D;
      a.n_q = p.n;
      a.n_kv = first + p.n;
      ws.tasks.push_back(a);
    }
    return;
  }
  // Later query blocks first: they cost the most, and the pool hands out
  // tasks in order.
  int64_t longest = 0;
  for (const Segment& s : p.segments) longest = std::max(longest, s.len);
  const int64_t blocks = (longest + kTaskQueries - 1) / kTaskQueries;
  for (int64_t blk = blocks - 1; blk >= 0; --blk) {
    for (const Segment& s : p.segments) {
      const int64_t i0 = blk * kTaskQueries;
      if (i0 >= s.len) continue;
      const int64_t i1 = std::min(s.len, i0 + kTaskQueries);
      for (int64_t h = 0; h < H; ++h) {
        kernels::AttentionHead a = proto;
        a.q = ws.q.data<float>() + (s.row + i0) * Q + h * D;
        a.k = ws.k.data<float>() + s.row * KV + (h / G) * D;
        a.v = ws.v.data<float>() + s.row * KV + (h / G) * D;
        a.k_stride = a.v_stride = KV;
        a.out = ws.att.mutable_data<float>() + (s.row + i0) * Q + h * D;
        // Queries i0..i1-1 only need keys 0..i1-1: they are the last
        // i1 - i0 tokens of an i1-token sequence.
        a.n_q = i1 - i0;
        a.n_kv = i1;
        ws.tasks.push_back(a);
      }
    }
  }
}

void run_attention(Workspace& ws) {
  int64_t macs = 0, per_thread = 0;
  for (const auto& a : ws.tasks) {
    macs += a.n_q * a.n_kv * a.head_dim;
    per_thread = std::max(per_thread, kernels::attention_scratch_floats(a.n_q, a.n_kv));
  }
  if (macs < kParallelAttentionMacs) {
    float* scratch = Workspace::grow(ws.scratch, per_thread);
    for (const auto& a : ws.tasks) kernels::attention_head_f32(a, scratch);
    return;
  }
  const int64_t threads = num_threads();
  float* scratch = Workspace::grow(ws.scratch, per_thread * threads);
  // One range per thread, tasks handed out dynamically: causal tasks
  // differ in cost, and parallel_for's split is static.
  std::atomic<size_t> next{0};
  parallel_for(0, threads, 1, [&](int64_t b, int64_t) {
    float* mine = scratch + b * per_thread;
    for (size_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < ws.tasks.size();) {
      kernels::attention_head_f32(ws.tasks[i], mine);
    }
  });
}

// Copies the n new key / value rows into the cache at positions size()...
void append_to_cache(KvCache& kv, const Workspace& ws, int64_t layer, int64_t n) {
  const int64_t Hkv = kv.kv_heads(), D = kv.head_dim(), KV = Hkv * D;
  const int64_t first = kv.size();
  for (int64_t g = 0; g < Hkv; ++g) {
    float* kd = kv.keys(layer, g) + first * D;
    float* vd = kv.values(layer, g) + first * D;
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(kd + i * D, ws.k.data<float>() + i * KV + g * D, D * sizeof(float));
      std::memcpy(vd + i * D, ws.v.data<float>() + i * KV + g * D, D * sizeof(float));
    }
  }
}

}  // namespace

void reserve_workspace(const Model& m, Workspace& ws, int64_t n, int64_t n_kv) {
  const io::ModelConfig& c = m.config();
  const int64_t C = c.hidden_size;
  Workspace::grow(ws.x, n * C);
  Workspace::grow(ws.xn, n * C);
  Workspace::grow(ws.q, n * c.q_dim());
  Workspace::grow(ws.k, n * c.kv_dim());
  Workspace::grow(ws.v, n * c.kv_dim());
  Workspace::grow(ws.att, n * c.q_dim());
  Workspace::grow(ws.proj, n * C);
  Workspace::grow(ws.gate, n * c.intermediate_size);
  Workspace::grow(ws.up, n * c.intermediate_size);
  Workspace::grow(ws.scratch, kernels::attention_scratch_floats(n, n_kv) * num_threads());
  ws.tasks.reserve(static_cast<size_t>(c.num_attention_heads));
}

void embed_tokens(const Model& m, std::span<const int32_t> ids, Workspace& ws) {
  const int64_t C = m.config().hidden_size, V = m.vocab_size();
  const float* table = m.weights().embed.data<float>();
  float* x = ws.x.mutable_data<float>();
  for (size_t r = 0; r < ids.size(); ++r) {
    const int32_t id = ids[r];
    if (id < 0 || id >= V) {
      throw Error(fmt::format("token id {} is outside the vocabulary [0, {})", id, V));
    }
    std::memcpy(x + static_cast<int64_t>(r) * C, table + id * C, C * sizeof(float));
  }
}

void run_layers(const Model& m, Workspace& ws, const Pass& p) {
  const io::ModelConfig& c = m.config();
  const int64_t n = p.n, C = c.hidden_size, F = c.intermediate_size;
  const auto eps = static_cast<float>(c.rms_norm_eps);
  float* x = ws.x.mutable_data<float>();
  float* xn = ws.xn.mutable_data<float>();
  float* q = ws.q.mutable_data<float>();
  float* k = ws.k.mutable_data<float>();
  float* v = ws.v.mutable_data<float>();
  float* proj = ws.proj.mutable_data<float>();
  float* gate = ws.gate.mutable_data<float>();
  float* up = ws.up.mutable_data<float>();
  const float* cos = ws.cos.data<float>();
  const float* sin = ws.sin.data<float>();

  for (int64_t l = 0; l < m.num_layers(); ++l) {
    const LayerWeights& w = m.weights().layers[static_cast<size_t>(l)];
    if (p.capture) (*p.capture)(l, x);

    kernels::rms_norm_f32(x, w.attn_norm.data<float>(), xn, n, C, eps);
    w.q->forward(xn, n, q);
    w.k->forward(xn, n, k);
    w.v->forward(xn, n, v);
    m.rope().apply(q, n, c.q_dim(), c.num_attention_heads, cos, sin, p.rope_rows);
    m.rope().apply(k, n, c.kv_dim(), c.num_key_value_heads, cos, sin, p.rope_rows);
    if (p.cache) append_to_cache(*p.cache, ws, l, n);
    plan_attention(m, ws, p, l);
    run_attention(ws);
    w.o->forward(ws.att.data<float>(), n, proj);
    add_inplace(x, proj, n * C);

    kernels::rms_norm_f32(x, w.mlp_norm.data<float>(), xn, n, C, eps);
    w.gate->forward(xn, n, gate);
    w.up->forward(xn, n, up);
    silu_mul(gate, up, n * F);
    w.down->forward(gate, n, proj);
    add_inplace(x, proj, n * C);
  }
}

void final_logits(const Model& m, const float* x, float* xn, int64_t rows, float* out) {
  const io::ModelConfig& c = m.config();
  kernels::rms_norm_f32(x, m.weights().final_norm.data<float>(), xn, rows, c.hidden_size,
                        static_cast<float>(c.rms_norm_eps));
  m.weights().lm_head->forward(xn, rows, out);
}

}  // namespace slimlm::model
