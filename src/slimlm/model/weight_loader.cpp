#include "slimlm/model/weight_loader.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>
#include <map>
#include <unordered_set>

#include <fmt/format.h>

#include "slimlm/core/convert.h"
#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/threads.h"
#include "slimlm/model/dense_linear.h"
#include "slimlm/model/quantized_linear.h"
#include "slimlm/model/quantized_weights.h"
#include "slimlm/model/sparse_linear.h"
#include "slimlm/model/sparse_weights.h"
#include "slimlm/model/w8a8_linear.h"
#include "slimlm/model/weight_arena.h"
#include "slimlm/model/weight_names.h"

namespace slimlm::model {
namespace {

// Elements per thread task, and per block converted then checked while it
// is still in L1: the finiteness check costs no extra pass over memory.
constexpr int64_t kChunk = int64_t{1} << 16;
constexpr int64_t kBlock = 4096;

bool block_finite(const float* x, int64_t n) {
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    bad |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return bad == 0;
}

int64_t first_bad(const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    if ((bits & 0x7f800000u) == 0x7f800000u) return i;
  }
  return -1;
}

void atomic_min(std::atomic<int64_t>& a, int64_t v) {
  int64_t cur = a.load(std::memory_order_relaxed);
  while (v < cur && !a.compare_exchange_weak(cur, v, std::memory_order_relaxed)) {
  }
}

// Runs convert(block_begin, block_size) over [0, n) in parallel blocks, each
// followed by the check of dst; returns the first bad index or -1.
template <class Convert>
int64_t checked_blocks(int64_t n, float* dst, const Convert& convert) {
  constexpr int64_t kNone = std::numeric_limits<int64_t>::max();
  std::atomic<int64_t> first{kNone};
  parallel_for(0, n, kChunk, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; i += kBlock) {
      const int64_t k = std::min(kBlock, e - i);
      convert(i, k);
      if (!block_finite(dst + i, k)) {
        atomic_min(first, i + first_bad(dst + i, k));
        return;  // later elements of this range cannot be earlier
      }
    }
  });
  const int64_t f = first.load();
  return f == kNone ? -1 : f;
}

// The mapping's pages of a tensor already converted are not needed again:
// dropping them keeps peak RSS near the f32 model instead of f32 + source.
// They stay in the page cache and fault back in if anything reads them.
void release_pages(const Tensor& t) {
  static const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const auto begin = reinterpret_cast<uintptr_t>(t.raw_data());
  const uintptr_t lo = (begin + page - 1) / page * page;
  const uintptr_t hi = (begin + t.nbytes()) / page * page;
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_DONTNEED);
}

struct Planned {
  const WeightName* spec;
  int64_t layer;  // -1 for model-level tensors
  std::string name;
};

struct LinearParts {
  Tensor weight, bias;
  std::optional<quant::QuantizedTensor> quantized;  // instead of weight (quantized_weights.h)
  bool int8_activations = false;                    // quantized is W8A8 (w8a8_linear.h)
  std::optional<Sparse24Weight> sparse;             // instead of weight (sparse_weights.h)
};

std::unique_ptr<Linear> make_dense(LinearParts& p) {
  if (p.quantized && p.int8_activations) return std::make_unique<W8A8Linear>(*p.quantized, std::move(p.bias));
  if (p.quantized) return std::make_unique<QuantizedLinear>(std::move(*p.quantized), std::move(p.bias));
  if (p.sparse) {
    return std::make_unique<SparseLinear>(std::move(p.sparse->values), std::move(p.sparse->indices),
                                          p.sparse->cols, std::move(p.bias));
  }
  return std::make_unique<DenseLinear>(std::move(p.weight), std::move(p.bias));
}

std::string element_index(const Shape& shape, int64_t flat) {
  if (shape.size() != 2) return fmt::format("{}", flat);
  return fmt::format("{} (row {}, column {})", flat, flat / shape[1], flat % shape[1]);
}

}  // namespace

int64_t first_non_finite(const float* x, int64_t n) {
  return checked_blocks(n, const_cast<float*>(x), [](int64_t, int64_t) {});
}

int64_t convert_checked(const Tensor& src, float* dst) {
  const auto n = static_cast<int64_t>(src.numel());
  switch (src.dtype()) {
    case DType::kF32: {
      const float* s = src.data<float>();
      return checked_blocks(n, dst, [&](int64_t i, int64_t k) {
        std::memcpy(dst + i, s + i, static_cast<size_t>(k) * sizeof(float));
      });
    }
    case DType::kF16: {
      const auto* s = static_cast<const uint16_t*>(src.raw_data());
      return checked_blocks(n, dst, [&](int64_t i, int64_t k) {
        f16_to_f32(s + i, dst + i, static_cast<size_t>(k));
      });
    }
    case DType::kBF16: {
      const auto* s = static_cast<const uint16_t*>(src.raw_data());
      return checked_blocks(n, dst, [&](int64_t i, int64_t k) {
        bf16_to_f32(s + i, dst + i, static_cast<size_t>(k));
      });
    }
    default:
      throw UnsupportedError(fmt::format("cannot load {} weights (f32, f16 and bf16 only)",
                                         to_string(src.dtype())));
  }
}

ModelWeights load_weights(const io::Checkpoint& ck, const io::ModelConfig& c) {
  const ArchitectureSpec& spec = architecture_spec(c.arch);
  const std::string folder = ck.dir().string();

  // Model-level tensors in table order, with all layer tensors (layer by
  // layer) where the first one appears.
  std::vector<Planned> plan;
  std::unordered_set<std::string> known;
  auto add = [&](const WeightName& w, int64_t layer) {
    std::string name = weight_name(w, layer);
    if (!weight_used(w, c)) {
      // A tied checkpoint that still stores lm_head: transformers ties it
      // away without a word, and so do we.
      if (w.slot == WeightSlot::kLmHead) known.insert(name);
      return;
    }
    known.insert(name);
    plan.push_back({&w, layer, std::move(name)});
  };
  bool layers_added = false;
  for (const WeightName& w : spec.weights) {
    if (!layer_scoped(w)) {
      add(w, -1);
    } else if (!layers_added) {
      layers_added = true;
      for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
        for (const WeightName& lw : spec.weights) {
          if (layer_scoped(lw)) add(lw, l);
        }
      }
    }
  }

  // Everything is checked before the (slow) conversion starts.
  const std::unique_ptr<QuantizedWeights> quantized = QuantizedWeights::open(ck);
  const std::unique_ptr<SparseWeights> sparse = SparseWeights::open(ck);
  for (const Planned& p : plan) {
    if (sparse && sparse->holds(p.name)) {
      sparse->check(p.name, weight_shape(*p.spec, c));
      continue;
    }
    if (quantized && quantized->holds(p.name)) {
      quantized->check(p.name, weight_shape(*p.spec, c));
      continue;
    }
    if (!ck.contains(p.name)) {
      throw FormatError(fmt::format("{}: tensor '{}' is missing ({} with this config.json needs it)",
                                    folder, p.name, c.hf_architecture));
    }
    const auto& info = ck.info(p.name);
    const std::string file = ck.file_of(p.name).path().string();
    if (info.dtype != DType::kF32 && info.dtype != DType::kF16 && info.dtype != DType::kBF16) {
      throw UnsupportedError(fmt::format("{}: tensor '{}' has dtype {}; slimlm loads f32, f16 and "
                                         "bf16 weights",
                                         file, p.name, to_string(info.dtype)));
    }
    const Shape want = weight_shape(*p.spec, c);
    if (info.shape != want) {
      throw FormatError(fmt::format("{}: tensor '{}' has shape {}, expected {} from {}", file, p.name,
                                    shape_to_string(info.shape), shape_to_string(want), c.source));
    }
  }

  // Converted weights share one huge-page arena (weight_arena.h).
  uint64_t arena_bytes = 0;
  for (const Planned& p : plan) {
    if (ck.contains(p.name) && ck.info(p.name).dtype != DType::kF32) {
      arena_bytes += WeightArena::footprint(shape_numel(ck.info(p.name).shape));
    }
  }
  WeightArena arena(arena_bytes);

  ModelWeights mw;
  mw.layers.resize(static_cast<size_t>(c.num_hidden_layers));
  std::vector<std::map<WeightSlot, LinearParts>> parts(mw.layers.size());
  LinearParts lm_head;
  for (const Planned& p : plan) {
    if (quantized && quantized->holds(p.name)) {
      LinearParts& lp = p.layer < 0 ? lm_head : parts[static_cast<size_t>(p.layer)][p.spec->slot];
      lp.int8_activations = quantized->int8_activations(p.name);
      lp.quantized = quantized->take(p.name);
      continue;
    }
    if (sparse && sparse->holds(p.name)) {
      (p.layer < 0 ? lm_head : parts[static_cast<size_t>(p.layer)][p.spec->slot]).sparse = sparse->take(p.name);
      continue;
    }
    const Tensor src = ck.tensor(p.name);
    Tensor t;
    int64_t bad;
    if (src.dtype() == DType::kF32) {
      t = src;  // zero-copy: the view keeps the mapping alive
      bad = first_non_finite(src.data<float>(), static_cast<int64_t>(src.numel()));
    } else {
      t = arena.take(src.shape());
      bad = convert_checked(src, t.mutable_data<float>());
      release_pages(src);
    }
    if (bad >= 0) {
      const float v = t.data<float>()[bad];
      throw FormatError(fmt::format("{}: tensor '{}' holds a non-finite value ({}) at index {}",
                                    ck.file_of(p.name).path().string(), p.name,
                                    v != v ? "nan" : (v > 0 ? "inf" : "-inf"),
                                    element_index(src.shape(), bad)));
    }
    const WeightSlot slot = p.spec->slot;
    if (p.layer < 0) {
      switch (slot) {
        case WeightSlot::kEmbed: mw.embed = std::move(t); break;
        case WeightSlot::kFinalNorm: mw.final_norm = std::move(t); break;
        case WeightSlot::kLmHead: lm_head.weight = std::move(t); break;
        default: throw Error(fmt::format("weight table: '{}' is not a model-level slot", p.name));
      }
      continue;
    }
    LayerWeights& lw = mw.layers[static_cast<size_t>(p.layer)];
    if (slot == WeightSlot::kAttnNorm) {
      lw.attn_norm = std::move(t);
    } else if (slot == WeightSlot::kMlpNorm) {
      lw.mlp_norm = std::move(t);
    } else {
      LinearParts& lp = parts[static_cast<size_t>(p.layer)][slot];
      (p.spec->bias ? lp.bias : lp.weight) = std::move(t);
    }
  }

  for (size_t l = 0; l < mw.layers.size(); ++l) {
    auto& lp = parts[l];
    LayerWeights& lw = mw.layers[l];
    lw.q = make_dense(lp[WeightSlot::kQ]);
    lw.k = make_dense(lp[WeightSlot::kK]);
    lw.v = make_dense(lp[WeightSlot::kV]);
    lw.o = make_dense(lp[WeightSlot::kO]);
    lw.gate = make_dense(lp[WeightSlot::kGate]);
    lw.up = make_dense(lp[WeightSlot::kUp]);
    lw.down = make_dense(lp[WeightSlot::kDown]);
  }
  mw.tied = c.tie_word_embeddings;
  if (mw.tied) lm_head.weight = mw.embed;
  mw.lm_head = make_dense(lm_head);

  std::vector<std::string> extra;
  for (const std::string& name : ck.tensor_names()) {
    if (known.count(name) || (quantized && quantized->owns(name)) || (sparse && sparse->owns(name))) continue;
    const bool ignored = std::any_of(spec.ignored.begin(), spec.ignored.end(),
                                     [&](std::string_view pat) { return matches_pattern(pat, name); });
    if (!ignored) extra.push_back(name);
  }
  if (!extra.empty()) {
    constexpr size_t kShown = 8;
    std::string list;
    for (size_t i = 0; i < std::min(kShown, extra.size()); ++i) list += (i ? ", " : "") + extra[i];
    if (extra.size() > kShown) list += fmt::format(" and {} more", extra.size() - kShown);
    log::warn("{}: {} tensor(s) not used by {}: {}", folder, extra.size(), c.hf_architecture, list);
  }
  return mw;
}

}  // namespace slimlm::model
