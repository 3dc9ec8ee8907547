#pragma once
// A Llama-family decoder-only model on the CPU: weights loaded from a Hugging
// Face checkpoint folder, f32 compute, matching transformers' eager forward
// pass (goldens in tests/golden/).
//
// Shape letters used throughout model/ (as in llm.c):
//   B batch rows, T tokens per row, C hidden size (channels), H attention heads,
//   Hkv key/value heads (GQA: H is a multiple of Hkv), D head dim, F MLP
//   intermediate size, V vocabulary, L layers, N tokens packed over a batch.
//
// Threads: every product runs on the slimlm pool (core/threads.h, all
// hardware threads by default, env SLIMLM_THREADS). The const methods may be
// called from several threads at once; they then share the pool.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "slimlm/core/tensor.h"
#include "slimlm/io/model_config.h"
#include "slimlm/model/kv_cache.h"
#include "slimlm/model/rope.h"
#include "slimlm/model/weights.h"

namespace slimlm::model {

class Model {
 public:
  // Reads config.json and the safetensors weights of `dir`. Throws
  // UnsupportedError for architectures or features slimlm cannot run,
  // FormatError naming the tensor for a missing tensor, a wrong shape or a
  // non-finite weight (see weight_loader.h).
  static std::unique_ptr<Model> load(const std::filesystem::path& dir);

  // A model from weights already in memory (tests; compression passes that
  // build new layers). Throws UnsupportedError as load() does, and Error when
  // a weight's shape does not fit the config.
  Model(io::ModelConfig config, ModelWeights weights);

  const io::ModelConfig& config() const { return config_; }
  int64_t vocab_size() const { return config_.vocab_size; }
  int64_t num_layers() const { return config_.num_hidden_layers; }
  // Mutable access lets a compression pass swap a layer's Linear.
  const ModelWeights& weights() const { return weights_; }
  ModelWeights& weights() { return weights_; }
  const Rope& rope() const { return rope_; }
  // The attention window of a layer in tokens, 0 for full causal attention
  // (mistral: all layers when sliding_window is set; qwen2 with
  // use_sliding_window: layers >= max_window_layers).
  int64_t layer_window(int64_t layer) const { return windows_[static_cast<size_t>(layer)]; }

  // Scores whole sequences: `tokens` holds B rows of T ids (row-major, right
  // padded); lengths[b] <= T is row b's real length (empty: all T). Returns
  // logits f32 [B, T, V]; positions past a row's length are zero. Rows never
  // see each other: each is scored as if alone (padding costs no compute).
  // When `hidden` is given it receives L+1 tensors f32 [B, T, C]: the
  // embeddings, then the output of each layer, the last one after the final
  // norm (what transformers' output_hidden_states returns).
  // Throws Error for a token id outside [0, V) or inconsistent sizes.
  Tensor score(std::span<const int32_t> tokens, int64_t B, int64_t T,
               std::span<const int64_t> lengths = {},
               std::vector<Tensor>* hidden = nullptr) const;

  // Appends `tokens` (one or more) to the sequence in `cache` and returns the
  // logits f32 [V] of the last one, or [n, V] for all of them when
  // `all_logits`. Positions continue from cache.size(). Throws Error when the
  // cache would overflow (the cache is then unchanged) or does not belong to
  // this model's shape; past max_position_embeddings it warns once per cache
  // and goes on, as llama.cpp does.
  Tensor decode(KvCache& cache, std::span<const int32_t> tokens, bool all_logits = false) const;

  // A cache for one sequence of up to max_tokens tokens (the requested
  // context, not the model's maximum).
  std::unique_ptr<KvCache> new_cache(int64_t max_tokens) const;

  // Bytes of weights as held in memory for compute (tied embeddings counted
  // once), and parameter count as transformers' num_parameters() gives it.
  uint64_t weight_bytes() const;
  uint64_t parameter_count() const;

 private:
  io::ModelConfig config_;
  ModelWeights weights_;
  Rope rope_;
  std::vector<int64_t> windows_;  // per layer, 0 = full
};

}  // namespace slimlm::model
