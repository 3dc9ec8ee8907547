#include "slimlm/model/model.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/model/forward.h"
#include "slimlm/model/weight_loader.h"
#include "slimlm/model/weight_names.h"

namespace slimlm::model {
namespace {

void check_supported(const io::ModelConfig& c) {
  const std::vector<std::string> why = io::unsupported_features(c);
  if (why.empty()) return;
  std::string list;
  for (const auto& w : why) list += (list.empty() ? "" : "; ") + w;
  throw UnsupportedError(fmt::format("{}: cannot run this model: {}", c.source, list));
}

// Rope table rows [first, first + n) for ws.cos / ws.sin.
void fill_rope(const Model& m, Workspace& ws, int64_t first, int64_t n) {
  const int64_t half = m.config().head_dim / 2;
  m.rope().tables(first, n, Workspace::grow(ws.cos, n * half), Workspace::grow(ws.sin, n * half));
}

// Weights built in memory (not by load_weights) must still fit the config:
// the forward pass trusts every shape.
void check_shapes(const io::ModelConfig& c, const ModelWeights& w) {
  const int64_t C = c.hidden_size, F = c.intermediate_size, Q = c.q_dim(), KV = c.kv_dim();
  auto fail = [&](const std::string& what, const std::string& got, const std::string& want) {
    throw Error(fmt::format("model weights do not fit {}: {} is {}, expected {}", c.source, what,
                            got, want));
  };
  auto norm = [&](const Tensor& t, const std::string& what) {
    if (t.dtype() != DType::kF32 || t.shape() != Shape{C}) {
      fail(what, t.describe(), fmt::format("f32[{}]", C));
    }
  };
  auto linear = [&](const std::unique_ptr<Linear>& l, int64_t out, int64_t in,
                    const std::string& what) {
    if (!l) fail(what, "missing", "a Linear");
    if (l->out_features() != out || l->in_features() != in) {
      fail(what, fmt::format("{} -> {}", l->in_features(), l->out_features()),
           fmt::format("{} -> {}", in, out));
    }
  };
  if (w.embed.dtype() != DType::kF32 || w.embed.shape() != Shape{c.vocab_size, C}) {
    fail("embed", w.embed.describe(), fmt::format("f32[{}, {}]", c.vocab_size, C));
  }
  norm(w.final_norm, "final norm");
  linear(w.lm_head, c.vocab_size, C, "lm_head");
  if (static_cast<int64_t>(w.layers.size()) != c.num_hidden_layers) {
    fail("the layer count", std::to_string(w.layers.size()), std::to_string(c.num_hidden_layers));
  }
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWeights& l = w.layers[i];
    const std::string at = fmt::format("layer {} ", i);
    norm(l.attn_norm, at + "attention norm");
    norm(l.mlp_norm, at + "MLP norm");
    linear(l.q, Q, C, at + "q");
    linear(l.k, KV, C, at + "k");
    linear(l.v, KV, C, at + "v");
    linear(l.o, C, Q, at + "o");
    linear(l.gate, F, C, at + "gate");
    linear(l.up, F, C, at + "up");
    linear(l.down, C, F, at + "down");
  }
}

}  // namespace

std::unique_ptr<Model> Model::load(const std::filesystem::path& dir) {
  io::ModelConfig config = io::load_hf_config(dir / "config.json");
  check_supported(config);
  architecture_spec(config.arch);  // a table must exist before reading gigabytes
  const io::Checkpoint checkpoint = io::Checkpoint::open(dir);
  ModelWeights weights = load_weights(checkpoint, config);
  return std::make_unique<Model>(std::move(config), std::move(weights));
}

Model::Model(io::ModelConfig config, ModelWeights weights)
    : config_(std::move(config)), weights_(std::move(weights)), rope_(config_) {
  check_supported(config_);
  const ArchitectureSpec& spec = architecture_spec(config_.arch);
  check_shapes(config_, weights_);
  for (int64_t l = 0; l < config_.num_hidden_layers; ++l) {
    windows_.push_back(model::layer_window(spec, config_, l));
  }
}

uint64_t Model::weight_bytes() const {
  uint64_t b = weights_.embed.nbytes() + weights_.final_norm.nbytes();
  for (const LayerWeights& l : weights_.layers) {
    b += l.attn_norm.nbytes() + l.mlp_norm.nbytes();
    for (const Linear* lin : {l.q.get(), l.k.get(), l.v.get(), l.o.get(), l.gate.get(), l.up.get(),
                              l.down.get()}) {
      b += lin->weight_bytes();
    }
  }
  if (!weights_.tied) b += weights_.lm_head->weight_bytes();
  return b;
}

uint64_t Model::parameter_count() const {
  uint64_t n = weights_.embed.numel() + weights_.final_norm.numel();
  for (const LayerWeights& l : weights_.layers) {
    n += l.attn_norm.numel() + l.mlp_norm.numel();
    for (const Linear* lin : {l.q.get(), l.k.get(), l.v.get(), l.o.get(), l.gate.get(), l.up.get(),
                              l.down.get()}) {
      n += lin->parameter_count();
    }
  }
  if (!weights_.tied) n += weights_.lm_head->parameter_count();
  return n;
}

std::unique_ptr<KvCache> Model::new_cache(int64_t max_tokens) const {
  if (max_tokens > config_.max_position_embeddings) {
    log::warn("KV cache of {} tokens exceeds max_position_embeddings {} of {}", max_tokens,
              config_.max_position_embeddings, config_.source);
  }
  return std::make_unique<KvCache>(config_, max_tokens);
}

Tensor Model::score(std::span<const int32_t> tokens, int64_t B, int64_t T,
                    std::span<const int64_t> lengths, std::vector<Tensor>* hidden) const {
  if (B < 0 || T < 0 || static_cast<int64_t>(tokens.size()) != B * T) {
    throw Error(fmt::format("score: {} tokens given for B={} rows of T={}", tokens.size(), B, T));
  }
  if (!lengths.empty() && static_cast<int64_t>(lengths.size()) != B) {
    throw Error(fmt::format("score: {} lengths given for B={} rows", lengths.size(), B));
  }
  const int64_t C = config_.hidden_size, V = config_.vocab_size, L = num_layers();
  std::vector<Segment> segments;
  std::vector<int32_t> ids;
  std::vector<int32_t> rope_rows;
  int64_t longest = 0;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t len = lengths.empty() ? T : lengths[static_cast<size_t>(b)];
    if (len < 0 || len > T) throw Error(fmt::format("score: row {} has length {} (T={})", b, len, T));
    segments.push_back({static_cast<int64_t>(ids.size()), len});
    for (int64_t t = 0; t < len; ++t) {
      ids.push_back(tokens[static_cast<size_t>(b * T + t)]);
      rope_rows.push_back(static_cast<int32_t>(t));
    }
    longest = std::max(longest, len);
  }
  const auto N = static_cast<int64_t>(ids.size());
  if (longest > config_.max_position_embeddings) {
    log::warn("scoring {} tokens per row, past max_position_embeddings {} of {}", longest,
              config_.max_position_embeddings, config_.source);
  }
  const bool packed_is_dense = N == B * T;  // no padding: packed rows are the output rows

  Tensor logits = packed_is_dense ? Tensor::empty(DType::kF32, {B, T, V})
                                  : Tensor::zeros(DType::kF32, {B, T, V});
  if (hidden) {
    hidden->clear();
    for (int64_t k = 0; k <= L; ++k) hidden->push_back(Tensor::zeros(DType::kF32, {B, T, C}));
  }
  if (N == 0) return logits;

  Workspace ws;
  reserve_workspace(*this, ws, N, longest);
  embed_tokens(*this, ids, ws);
  fill_rope(*this, ws, 0, longest);

  // Packed rows back to [B, T, width] (padding stays as it is).
  auto scatter = [&](const float* rows, float* dst, int64_t width) {
    for (size_t b = 0; b < segments.size(); ++b) {
      std::memcpy(dst + static_cast<int64_t>(b) * T * width, rows + segments[b].row * width,
                  static_cast<size_t>(segments[b].len * width) * sizeof(float));
    }
  };
  const std::function<void(int64_t, const float*)> capture = [&](int64_t k, const float* x) {
    scatter(x, (*hidden)[static_cast<size_t>(k)].mutable_data<float>(), C);
  };
  Pass pass;
  pass.n = N;
  pass.rope_rows = rope_rows.data();
  pass.segments = segments;
  pass.capture = hidden ? &capture : nullptr;
  run_layers(*this, ws, pass);

  if (packed_is_dense) {
    final_logits(*this, ws.x.data<float>(), ws.xn.mutable_data<float>(), N,
                 logits.mutable_data<float>());
  } else {
    Tensor packed = Tensor::empty(DType::kF32, {N, V});
    final_logits(*this, ws.x.data<float>(), ws.xn.mutable_data<float>(), N,
                 packed.mutable_data<float>());
    scatter(packed.data<float>(), logits.mutable_data<float>(), V);
  }
  if (hidden) scatter(ws.xn.data<float>(), (*hidden)[static_cast<size_t>(L)].mutable_data<float>(), C);
  return logits;
}

Tensor Model::decode(KvCache& cache, std::span<const int32_t> tokens, bool all_logits) const {
  const auto n = static_cast<int64_t>(tokens.size());
  if (n == 0) throw Error("decode: no tokens given");
  if (cache.layers() != num_layers() || cache.kv_heads() != config_.num_key_value_heads ||
      cache.head_dim() != config_.head_dim) {
    throw Error(fmt::format("decode: the KV cache ({} layers, {} kv heads, head dim {}) was not made "
                            "for {}",
                            cache.layers(), cache.kv_heads(), cache.head_dim(), config_.source));
  }
  const int64_t first = cache.size();
  if (first + n > cache.capacity()) {
    throw Error(fmt::format("decode: KV cache full: {} tokens held + {} new > capacity {}", first, n,
                            cache.capacity()));
  }
  if (first + n > config_.max_position_embeddings && !cache.warned_past_max_) {
    cache.warned_past_max_ = true;
    log::warn("decoding past max_position_embeddings {} of {}", config_.max_position_embeddings,
              config_.source);
  }
  Workspace& ws = cache.ws_;
  reserve_workspace(*this, ws, n, cache.capacity());
  embed_tokens(*this, tokens, ws);
  fill_rope(*this, ws, first, n);
  ws.rope_rows.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) ws.rope_rows[static_cast<size_t>(i)] = static_cast<int32_t>(i);

  const Segment whole{0, n};
  Pass pass;
  pass.n = n;
  pass.rope_rows = ws.rope_rows.data();
  pass.segments = std::span<const Segment>(&whole, 1);
  pass.cache = &cache;
  run_layers(*this, ws, pass);
  cache.size_ = first + n;

  const int64_t C = config_.hidden_size, V = config_.vocab_size;
  const int64_t rows = all_logits ? n : 1;
  Tensor logits = all_logits ? Tensor::empty(DType::kF32, {n, V}) : Tensor::empty(DType::kF32, {V});
  final_logits(*this, ws.x.data<float>() + (n - rows) * C, ws.xn.mutable_data<float>(), rows,
               logits.mutable_data<float>());
  return logits;
}

}  // namespace slimlm::model
