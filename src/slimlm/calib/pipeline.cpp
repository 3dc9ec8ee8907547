#include "slimlm/calib/pipeline.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/threads.h"
#include "slimlm/core/timer.h"
#include "slimlm/model/layer_runner.h"
#include "slimlm/model/layer_tensors.h"

namespace slimlm::calib {
namespace {

constexpr int64_t kElementwiseGrain = int64_t{1} << 15;

// x[i] = a[i] + b[i]: the residual add, as the forward pass does it.
void add(const float* a, const float* b, float* x, int64_t n) {
  parallel_for(0, n, kElementwiseGrain, [&](int64_t s, int64_t e) {
    for (int64_t i = s; i < e; ++i) x[i] = a[i] + b[i];
  });
}

double sum_sq_diff(const float* a, const float* b, int64_t n) {
  const int64_t threads = num_threads();
  std::vector<double> part(static_cast<size_t>(threads), 0.0);
  parallel_for(0, threads, 1, [&](int64_t t, int64_t) {
    const int64_t s = n * t / threads, e = n * (t + 1) / threads;
    double acc = 0;
    for (int64_t i = s; i < e; ++i) {
      const double d = static_cast<double>(a[i]) - b[i];
      acc += d * d;
    }
    part[static_cast<size_t>(t)] = acc;
  });
  double total = 0;
  for (double p : part) total += p;
  return total;
}

// Chunks of whole sequences over the calibration batch.
struct Chunks {
  int64_t samples = 0, per_chunk = 0, seq_len = 0;
  int64_t count() const { return (samples + per_chunk - 1) / per_chunk; }
  int64_t first(int64_t i) const { return i * per_chunk; }
  int64_t size(int64_t i) const { return std::min(per_chunk, samples - first(i)); }
  int64_t row(int64_t i) const { return first(i) * seq_len; }
  int64_t rows(int64_t i) const { return size(i) * seq_len; }
};

// Scratch for one chunk of rows.
struct ChunkBuffers {
  Tensor xn, att, a, proj;
  ChunkBuffers(const io::ModelConfig& c, int64_t rows)
      : xn(Tensor::empty(DType::kF32, {rows, c.hidden_size})),
        att(Tensor::empty(DType::kF32, {rows, c.q_dim()})),
        a(Tensor::empty(DType::kF32, {rows, c.intermediate_size})),
        proj(Tensor::empty(DType::kF32, {rows, c.hidden_size})) {}
};

InputStatsAccumulator make_acc(const io::ModelConfig& c, const CalibrationSet& set,
                               const LayerPass& pass, Stage s) {
  return InputStatsAccumulator(stage_features(c, s), set.seq_len, set.samples, pass.request(s));
}

}  // namespace

void run_pipeline(const io::Checkpoint& ck, const io::ModelConfig& c, const CalibrationSet& set,
                  LayerPass& pass, const PipelineOptions& opt) {
  if (set.samples < 1 || set.seq_len < 1 ||
      static_cast<int64_t>(set.tokens.size()) != set.samples * set.seq_len) {
    throw Error("run_pipeline: empty or inconsistent calibration set");
  }
  if (set.seq_len > c.max_position_embeddings) {
    log::warn("calibration windows of {} tokens exceed max_position_embeddings {} of {}",
              set.seq_len, c.max_position_embeddings, c.source);
  }
  const int64_t T = set.seq_len, N = set.samples * T, C = c.hidden_size;
  Chunks chunks;
  chunks.samples = set.samples;
  chunks.seq_len = T;
  chunks.per_chunk = opt.chunk_samples > 0 ? opt.chunk_samples : std::max<int64_t>(1, kDefaultChunkTokens / T);
  chunks.per_chunk = std::min(chunks.per_chunk, set.samples);
  ChunkBuffers buf(c, chunks.per_chunk * T);
  float* xn = buf.xn.mutable_data<float>();
  float* att = buf.att.mutable_data<float>();
  float* a = buf.a.mutable_data<float>();
  float* proj = buf.proj.mutable_data<float>();

  Tensor x_t = Tensor::empty(DType::kF32, {N, C});
  float* x = x_t.mutable_data<float>();
  model::embed_rows(ck, c, set.tokens, x);
  const int64_t err_samples =
      opt.error_samples > 0 ? std::min(opt.error_samples, set.samples) : set.samples;
  // The uncompressed layer's output: every row when it is fed onward or a
  // whole-layer pass computes it anyway, else only the rows of the error.
  const bool full_ref = opt.propagate_original || pass.mode() == PassMode::kWholeLayer;
  Tensor y_fp_t = Tensor::empty(DType::kF32, {full_ref ? N : err_samples * T, C});
  float* y_fp = y_fp_t.mutable_data<float>();

  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    if (opt.on_layer_start) opt.on_layer_start(l, c.num_hidden_layers);
    const Timer timer;
    LayerState st;
    st.tensors = model::load_layer_tensors(ck, c, l);
    const model::LayerTensors original = st.tensors.clone();
    const model::LayerRunner runner(c, l, T);
    LayerContext ctx{l, st, runner, original, T};
    const model::LayerWeights orig_view = model::dense_view(original);

    if (pass.mode() == PassMode::kSequential) {
      // The uncompressed layer's output: on the first error_samples
      // sequences for the error report, on all of them when it is what the
      // next layer gets.
      const int64_t ref_samples = opt.propagate_original ? set.samples : err_samples;
      const int64_t ref_rows = ref_samples * T;
      std::memcpy(y_fp, x, static_cast<size_t>(ref_rows * C) * sizeof(float));
      for (int64_t s0 = 0; s0 < ref_samples; s0 += chunks.per_chunk) {
        runner.forward(orig_view, y_fp + s0 * T * C, std::min(chunks.per_chunk, ref_samples - s0));
      }
      const double update_sq = sum_sq_diff(y_fp, x, err_samples * T * C);
      // q, k, v read the normed input, which nothing compressed changes yet.
      {
        InputStatsAccumulator acc = make_acc(c, set, pass, Stage::kAttnIn);
        for (int64_t i = 0; i < chunks.count(); ++i) {
          runner.norm(st.tensors.attn_norm, x + chunks.row(i) * C, xn, chunks.rows(i));
          acc.add(xn, chunks.rows(i));
        }
        InputStats stats = acc.finish();
        pass.compress_stage(ctx, Stage::kAttnIn, stats);
      }
      // o reads the attention of the compressed q, k, v.
      const int64_t Q = c.q_dim(), F = c.intermediate_size;
      Tensor att_all_t = Tensor::empty(DType::kF32, {N, Q});
      float* att_all = att_all_t.mutable_data<float>();
      {
        const model::LayerWeights view = st.view();
        InputStatsAccumulator acc = make_acc(c, set, pass, Stage::kAttnOut);
        for (int64_t i = 0; i < chunks.count(); ++i) {
          runner.norm(st.tensors.attn_norm, x + chunks.row(i) * C, xn, chunks.rows(i));
          runner.attention(view, xn, chunks.size(i), att_all + chunks.row(i) * Q);
          acc.add(att_all + chunks.row(i) * Q, chunks.rows(i));
        }
        InputStats stats = acc.finish();
        pass.compress_stage(ctx, Stage::kAttnOut, stats);
      }
      // h = x + o(att): the residual stream after attention, kept for the
      // MLP stages; gate and up read its norm.
      Tensor h_t = Tensor::empty(DType::kF32, {N, C});
      float* h = h_t.mutable_data<float>();
      {
        const model::LayerWeights view = st.view();
        InputStatsAccumulator acc = make_acc(c, set, pass, Stage::kMlpIn);
        for (int64_t i = 0; i < chunks.count(); ++i) {
          const int64_t r0 = chunks.row(i), n = chunks.rows(i);
          view.o->forward(att_all + r0 * Q, n, proj);
          add(x + r0 * C, proj, h + r0 * C, n * C);
          runner.norm(st.tensors.mlp_norm, h + r0 * C, xn, n);
          acc.add(xn, n);
        }
        att_all_t = Tensor();
        InputStats stats = acc.finish();
        pass.compress_stage(ctx, Stage::kMlpIn, stats);
      }
      // down reads silu(gate) * up of the compressed gate and up; kept for
      // the output when it fits the budget, else computed again.
      const bool keep_a = static_cast<uint64_t>(N * F) * sizeof(float) <= opt.max_cache_bytes;
      Tensor a_all_t = keep_a ? Tensor::empty(DType::kF32, {N, F}) : Tensor();
      {
        const model::LayerWeights view = st.view();
        InputStatsAccumulator acc = make_acc(c, set, pass, Stage::kMlpOut);
        for (int64_t i = 0; i < chunks.count(); ++i) {
          const int64_t r0 = chunks.row(i), n = chunks.rows(i);
          float* ai = keep_a ? a_all_t.mutable_data<float>() + r0 * F : a;
          runner.norm(st.tensors.mlp_norm, h + r0 * C, xn, n);
          runner.mlp_hidden(view, xn, n, ai);
          acc.add(ai, n);
        }
        InputStats stats = acc.finish();
        pass.compress_stage(ctx, Stage::kMlpOut, stats);
      }
      // The compressed layer's output: h + down(mlp(h)), as forward() adds it.
      {
        const model::LayerWeights view = st.view();
        for (int64_t i = 0; i < chunks.count(); ++i) {
          const int64_t r0 = chunks.row(i), n = chunks.rows(i);
          const float* ai = a;
          if (keep_a) {
            ai = a_all_t.data<float>() + r0 * F;
          } else {
            runner.norm(st.tensors.mlp_norm, h + r0 * C, xn, n);
            runner.mlp_hidden(view, xn, n, a);
          }
          view.down->forward(ai, n, proj);
          add(h + r0 * C, proj, x + r0 * C, n * C);
        }
      }
      const double err = sum_sq_diff(x, y_fp, err_samples * T * C);
      st.result.output_mse = err / static_cast<double>(err_samples * T * C);
      st.result.output_rel_error = update_sq > 0 ? err / update_sq : 0.0;
    } else {
      std::array<std::optional<InputStatsAccumulator>, kNumStages> accs;
      for (Stage s : kAllStages) accs[index_of(s)].emplace(make_acc(c, set, pass, s));
      for (int64_t i = 0; i < chunks.count(); ++i) {
        const int64_t r0 = chunks.row(i), n = chunks.rows(i);
        float* y = y_fp + r0 * C;
        runner.norm(original.attn_norm, x + r0 * C, xn, n);
        accs[0]->add(xn, n);
        runner.attention(orig_view, xn, chunks.size(i), att);
        accs[1]->add(att, n);
        orig_view.o->forward(att, n, proj);
        add(x + r0 * C, proj, y, n * C);
        runner.norm(original.mlp_norm, y, xn, n);
        accs[2]->add(xn, n);
        runner.mlp_hidden(orig_view, xn, n, a);
        accs[3]->add(a, n);
        orig_view.down->forward(a, n, proj);
        add(y, proj, y, n * C);
      }
      std::array<InputStats, kNumStages> stats;
      for (Stage s : kAllStages) stats[index_of(s)] = accs[index_of(s)]->finish();
      accs = {};
      pass.compress_layer(ctx, stats);
      stats = {};

      const double update_sq = sum_sq_diff(y_fp, x, err_samples * T * C);
      const model::LayerWeights view = st.view();
      // With the original output fed onward, the compressed one is only
      // needed for the error report.
      const int64_t out_samples = opt.propagate_original ? err_samples : set.samples;
      for (int64_t s0 = 0; s0 < out_samples; s0 += chunks.per_chunk) {
        runner.forward(view, x + s0 * T * C, std::min(chunks.per_chunk, out_samples - s0));
      }
      const double err = sum_sq_diff(x, y_fp, err_samples * T * C);
      st.result.output_mse = err / static_cast<double>(err_samples * T * C);
      st.result.output_rel_error = update_sq > 0 ? err / update_sq : 0.0;
    }
    if (opt.propagate_original) std::swap(x_t, y_fp_t), std::swap(x, y_fp);
    st.result.seconds = timer.seconds();
    if (opt.on_layer) opt.on_layer(l, st);
  }
}

}  // namespace slimlm::calib
