// compress::prune_model on the fixture models: exact sparsity and pattern on
// every pruned tensor as written, untouched tensors byte for byte, 2:4
// compressed storage that loads and computes what the dense zeros do,
// quantizing a pruned model keeps its zeros, and bad outputs or options are
// refused before anything is written.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "prune_test_util.h"
#include "slimlm/compress/nm_mask.h"
#include "slimlm/compress/prune_model.h"
#include "slimlm/compress/pruned_checkpoint.h"
#include "slimlm/core/error.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/kernels/cpu/sparse24.h"
#include "slimlm/model/model.h"
#include "slimlm/model/quantize_model.h"
#include "slimlm/model/quantized_linear.h"
#include "slimlm/model/sparse_linear.h"
#include "slimlm/quant/pack.h"

namespace slimlm::compress {
namespace {

using namespace prune_test;

PruneOptions options(PruneMethod method, SparsityPattern pattern, const fs::path& calib = {}) {
  PruneOptions o;
  o.method = method;
  o.pattern = pattern;
  o.calib.file = calib.string();
  o.calib.samples = 8;
  o.calib.seq_len = 128;
  return o;
}

// Zero counts of the input's pruned tensors, for "exactly k more zeros".
std::map<std::string, int64_t> zeros_of(const fs::path& dir) {
  const io::ModelConfig c = io::load_hf_config(dir / "config.json");
  std::map<std::string, int64_t> z;
  for (const LinearWeight& l : layer_linear_weights(c)) {
    const auto v = tensor_f32(dir, l.name);
    z[l.name] = count_zeros(v.data(), static_cast<int64_t>(v.size()));
  }
  return z;
}

TEST(PruneModel, MagnitudeHasExactSparsityAndLeavesTheRestAlone) {
  TempDir tmp;
  const fs::path in = fixture("tiny-llama"), out = tmp.path() / "m50";
  const PruneReport r = prune_model(in, out, options(PruneMethod::kMagnitude, SparsityPattern::unstructured(0.5)));
  const io::ModelConfig c = io::load_hf_config(in / "config.json");
  EXPECT_EQ(r.tensors.size(), static_cast<size_t>(7 * c.num_hidden_layers));
  const auto before = zeros_of(in);
  const io::Checkpoint a = io::Checkpoint::open(in), b = io::Checkpoint::open(out);
  ASSERT_EQ(a.tensor_names().size(), b.tensor_names().size());
  for (const std::string& name : a.tensor_names()) {
    const Tensor ta = a.tensor(name), tb = b.tensor(name);
    ASSERT_EQ(ta.dtype(), tb.dtype()) << name;
    ASSERT_EQ(ta.shape(), tb.shape()) << name;
    if (!before.count(name)) {
      EXPECT_EQ(std::memcmp(ta.raw_data(), tb.raw_data(), ta.nbytes()), 0) << name << " must be untouched";
      continue;
    }
    const auto w0 = f32_values(ta), w1 = f32_values(tb);
    const int64_t n = static_cast<int64_t>(w1.size()), k = n / 2;
    const int64_t z = count_zeros(w1.data(), n);
    EXPECT_GE(z, k) << name;
    EXPECT_LE(z, k + before.at(name)) << name;
    // What is kept is the original value; what went is smaller than all kept.
    float kept_min = 1e30f, pruned_max = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (w1[i] != 0.0f) {
        ASSERT_EQ(w1[i], w0[i]) << name << " index " << i;
        kept_min = std::min(kept_min, std::fabs(w0[i]));
      } else {
        pruned_max = std::max(pruned_max, std::fabs(w0[i]));
      }
    }
    EXPECT_LE(pruned_max, kept_min) << name << ": one threshold over the tensor";
  }
  // Same dense config, the recipe, the tokenizer beside the weights.
  EXPECT_EQ(read_json(out / "config.json"), read_json(in / "config.json"));
  const auto recipe = read_json(out / "recipe.json");
  EXPECT_EQ(recipe["method"], "magnitude");
  EXPECT_DOUBLE_EQ(recipe["sparsity"].get<double>(), 0.5);
  EXPECT_EQ(recipe["storage"], "dense");
  EXPECT_EQ(recipe["tensors"].size(), r.tensors.size());
  EXPECT_EQ(read_file(out / "tokenizer.json"), read_file(in / "tokenizer.json"));
  EXPECT_NEAR(r.sparsity_linears(), 0.5, 1e-6);
  for (const auto& [type, zt] : r.by_type()) EXPECT_NEAR(double(zt.first) / double(zt.second), 0.5, 1e-6) << type;
}

struct NmCase {
  PruneMethod method;
  int n, m;
};

class PruneNm : public ::testing::TestWithParam<NmCase> {};

TEST_P(PruneNm, PatternHoldsInEveryGroupOfEveryTensor) {
  const auto [method, n, m] = GetParam();
  TempDir tmp;
  const TextSplit text = war_and_peace_split();
  write_file(tmp.path() / "calib.txt", text.calib);
  // tiny-qwen2: biases on q/k/v, tied embeddings, a 704-wide MLP.
  const fs::path in = fixture("tiny-qwen2"), out = tmp.path() / "nm";
  const PruneReport r = prune_model(in, out, options(method, SparsityPattern::nm(n, m), tmp.path() / "calib.txt"));
  const io::ModelConfig c = io::load_hf_config(in / "config.json");
  const io::Checkpoint ck = io::Checkpoint::open(out);
  int64_t checked = 0;
  for (const LinearWeight& l : layer_linear_weights(c)) {
    const auto w = f32_values(ck.tensor(l.name));
    const int64_t cols = ck.info(l.name).shape[1], rows = ck.info(l.name).shape[0];
    for (int64_t g = 0; g < rows * cols; g += m) {
      int nz = 0;
      for (int i = 0; i < m; ++i) nz += w[static_cast<size_t>(g + i)] != 0.0f;
      ASSERT_LE(nz, n) << l.name << " row " << g / cols << " column " << g % cols;
    }
    EXPECT_GE(count_zeros(w.data(), rows * cols), rows * cols * (m - n) / m) << l.name;
    ++checked;
  }
  EXPECT_EQ(checked, static_cast<int64_t>(r.tensors.size()));
  // Biases, norms and embeddings stay as they were.
  const io::Checkpoint original = io::Checkpoint::open(in);
  for (const std::string& name : original.tensor_names()) {
    if (name.find("bias") != std::string::npos || name.find("norm") != std::string::npos) {
      EXPECT_EQ(tensor_f32(in, name), tensor_f32(out, name)) << name;
    }
  }
  EXPECT_EQ(read_json(out / "recipe.json")["pattern"], fmt::format("{}:{}", n, m));
}

INSTANTIATE_TEST_SUITE_P(Methods, PruneNm,
                         ::testing::Values(NmCase{PruneMethod::kMagnitude, 2, 4}, NmCase{PruneMethod::kWanda, 2, 4},
                                           NmCase{PruneMethod::kSparseGpt, 2, 4}, NmCase{PruneMethod::kWanda, 4, 8},
                                           NmCase{PruneMethod::kSparseGpt, 4, 8},
                                           NmCase{PruneMethod::kMagnitude, 1, 4}),
                         [](const auto& info) {
                           return std::string(to_string(info.param.method)) + "_" + std::to_string(info.param.n) +
                                  "of" + std::to_string(info.param.m);
                         });

TEST(PruneModel, WandaAndSparseGptPruneExactlyPerRowAndPerTensor) {
  TempDir tmp;
  const TextSplit text = war_and_peace_split();
  write_file(tmp.path() / "calib.txt", text.calib);
  const fs::path in = fixture("tiny-llama-spm");
  const auto before = zeros_of(in);
  for (PruneMethod m : {PruneMethod::kWanda, PruneMethod::kSparseGpt}) {
    const fs::path out = tmp.path() / std::string(to_string(m));
    prune_model(in, out, options(m, SparsityPattern::unstructured(0.3), tmp.path() / "calib.txt"));
    const io::Checkpoint ck = io::Checkpoint::open(out);
    for (const auto& [name, z0] : before) {
      const auto w = f32_values(ck.tensor(name));
      const int64_t rows = ck.info(name).shape[0], cols = ck.info(name).shape[1];
      if (m == PruneMethod::kWanda) {
        for (int64_t r = 0; r < rows; ++r) {
          EXPECT_GE(count_zeros(w.data() + r * cols, cols), cols * 3 / 10) << name << " row " << r;
        }
      }
      // Wanda: int(cols · 0.3) in every row; SparseGPT: int(rows · cols · 0.3)
      // over the tensor.
      const int64_t k = m == PruneMethod::kWanda ? rows * (cols * 3 / 10)
                                                 : static_cast<int64_t>(std::floor(rows * cols * 0.3 + 1e-9));
      // SparseGPT rounds its updated weights to bf16 on the way out, which
      // may turn a handful more into zeros.
      EXPECT_GE(count_zeros(w.data(), rows * cols), k) << name;
      EXPECT_LE(count_zeros(w.data(), rows * cols), k + z0 + rows * cols / 1000) << name;
    }
  }
}

TEST(PruneModel, OwlPrunesEachLayerToItsOwnSparsity) {
  TempDir tmp;
  const TextSplit text = war_and_peace_split();
  write_file(tmp.path() / "calib.txt", text.calib);
  const fs::path in = fixture("tiny-llama"), out = tmp.path() / "owl";
  PruneOptions o = options(PruneMethod::kWanda, SparsityPattern::unstructured(0.5), tmp.path() / "calib.txt");
  o.owl = true;
  const PruneReport r = prune_model(in, out, o);
  const auto owl = read_json(out / "recipe.json")["calibration"]["owl"];
  const std::vector<double> layer = owl["layer_sparsity"].get<std::vector<double>>();
  ASSERT_EQ(layer.size(), 4u);
  double mean = 0, lo = 1, hi = 0;
  for (double s : layer) {
    mean += s / 4;
    lo = std::min(lo, s);
    hi = std::max(hi, s);
  }
  EXPECT_NEAR(mean, 0.5, 1e-9);
  EXPECT_NEAR(hi - lo, 0.16, 1e-9);
  for (const PrunedTensor& t : r.tensors) {
    EXPECT_DOUBLE_EQ(t.target, layer[static_cast<size_t>(t.layer)]) << t.name;
    // Wanda: int(cols · s_l) zeros in every row.
    EXPECT_GE(t.zeros, t.rows * static_cast<int64_t>(std::floor(t.cols * t.target + 1e-9))) << t.name;
  }
  o.pattern = SparsityPattern::nm(2, 4);
  EXPECT_THROW(prune_model(in, tmp.path() / "x", o), ConfigError);
  o = options(PruneMethod::kMagnitude, SparsityPattern::unstructured(0.5));
  o.owl = true;
  EXPECT_THROW(prune_model(in, tmp.path() / "x", o), ConfigError);
}

TEST(PruneModel, Sparse24StorageLoadsAndComputesWhatTheZerosDo) {
  TempDir tmp;
  const fs::path in = fixture("tiny-llama");
  PruneOptions o = options(PruneMethod::kMagnitude, SparsityPattern::nm(2, 4));
  const PruneReport dense_r = prune_model(in, tmp.path() / "dense", o);
  o.storage = SparseStorage::kSparse24;
  const PruneReport sparse_r = prune_model(in, tmp.path() / "s24", o);
  EXPECT_EQ(dense_r.bytes_after, dense_r.bytes_before);
  // Linear weights: bf16 values (16 bits) + 1 bit of mask per dense weight,
  // half the values kept: 9/16 of the dense bytes.
  const uint64_t linear_bytes = dense_r.params_pruned_linears * 2;
  EXPECT_EQ(sparse_r.bytes_after, sparse_r.bytes_before - linear_bytes + linear_bytes * 9 / 16 +
                                      16 * sparse_r.tensors.size());  // + each module's shape tensor

  const auto cfg = read_json(tmp.path() / "s24" / "config.json");
  EXPECT_EQ(cfg["quantization_config"]["quant_method"], "compressed-tensors");
  EXPECT_EQ(cfg["quantization_config"]["sparsity_config"]["format"], "sparse-24-bitmask");
  EXPECT_EQ(cfg["quantization_config"]["sparsity_config"]["sparsity_structure"], "2:4");

  // The bitmask marks exactly the non-zeros of the dense-stored result (the
  // fixture has no zero weights of its own) and compressed holds them in order.
  const io::Checkpoint ck = io::Checkpoint::open(tmp.path() / "s24");
  const std::string module = "model.layers.1.mlp.down_proj";
  const auto dense = tensor_f32(tmp.path() / "dense", module + ".weight");
  const Tensor bits = ck.tensor(module + ".bitmask");
  const auto vals = f32_values(ck.tensor(module + ".compressed"));
  const Tensor shape = ck.tensor(module + ".shape");
  ASSERT_EQ(shape.shape(), (Shape{2, 1}));
  const int64_t rows = shape.data<int64_t>()[0], cols = shape.data<int64_t>()[1];
  EXPECT_EQ(bits.shape(), (Shape{rows, (cols + 7) / 8}));
  size_t next = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < cols; ++j) {
      const bool set = (bits.data<uint8_t>()[r * ((cols + 7) / 8) + j / 8] >> (j % 8)) & 1u;
      const float d = dense[static_cast<size_t>(r * cols + j)];
      ASSERT_EQ(set, d != 0.0f) << "row " << r << " column " << j;
      if (set) ASSERT_EQ(vals[next++], d);
    }
  }
  EXPECT_EQ(next, vals.size());
  EXPECT_FALSE(ck.contains(module + ".weight"));

  const auto a = model::Model::load(tmp.path() / "dense");
  const auto b = model::Model::load(tmp.path() / "s24");
  EXPECT_EQ(b->weights().layers[0].q->kind(), "sparse24");
  EXPECT_EQ(b->weights().lm_head->kind(), "dense");
  EXPECT_LT(b->weight_bytes(), a->weight_bytes() * 4 / 5);
  const std::vector<int32_t> ids = {0, 17, 400, 33, 2048, 5, 77, 901, 12, 3000, 64, 8};
  const Tensor la = a->score(ids, 2, 6), lb = b->score(ids, 2, 6);
  double maxd = 0, maxa = 0;
  for (uint64_t i = 0; i < la.numel(); ++i) {
    maxd = std::max(maxd, double(std::fabs(la.data<float>()[i] - lb.data<float>()[i])));
    maxa = std::max(maxa, double(std::fabs(la.data<float>()[i])));
  }
  EXPECT_LT(maxd, 1e-4 * maxa);
  // One token at a time through the cache takes the decode kernels.
  auto cache = b->new_cache(8);
  const Tensor step = b->decode(*cache, std::span<const int32_t>(ids).first(6), true);
  for (int64_t i = 0; i < 6 * a->vocab_size(); ++i) {
    ASSERT_NEAR(step.data<float>()[i], la.data<float>()[i], 1e-4 * maxa);
  }
}

TEST(PruneModel, SparseGptQuantizesJointlyAndKeepsThePattern) {
  TempDir tmp;
  const TextSplit text = war_and_peace_split();
  write_file(tmp.path() / "calib.txt", text.calib);
  const fs::path in = fixture("tiny-llama"), out = tmp.path() / "joint";
  PruneOptions o = options(PruneMethod::kSparseGpt, SparsityPattern::nm(2, 4), tmp.path() / "calib.txt");
  o.quantize = quant::QuantFormat::kInt4G128Asym;
  const PruneReport r = prune_model(in, out, o);
  EXPECT_LT(r.bytes_after, r.bytes_before * 2 / 3);
  const auto cfg = read_json(out / "config.json");
  EXPECT_EQ(cfg["quantization_config"]["config_groups"]["group_0"]["weights"]["num_bits"], 4);
  EXPECT_EQ(cfg["quantization_config"]["sparsity_config"]["sparsity_structure"], "2:4");
  const auto m = model::Model::load(out);
  for (const auto& layer : m->weights().layers) {
    const auto* ql = dynamic_cast<const model::QuantizedLinear*>(layer.gate.get());
    ASSERT_NE(ql, nullptr);
    const Tensor deq = quant::dequantize(ql->weight());
    const PatternCheck c = check_pattern(deq.data<float>(), deq.dim(0), deq.dim(1), SparsityPattern::nm(2, 4),
                                         MaskScope::kPerRow);
    EXPECT_TRUE(c.ok) << c.problem;
  }
  o.method = PruneMethod::kWanda;
  EXPECT_THROW(prune_model(in, tmp.path() / "x", o), ConfigError);
  o.method = PruneMethod::kSparseGpt;
  o.storage = SparseStorage::kSparse24;
  EXPECT_THROW(prune_model(in, tmp.path() / "x", o), ConfigError);
}

TEST(PruneModel, QuantizingAPrunedModelKeepsItsZeros) {
  TempDir tmp;
  const fs::path in = fixture("tiny-llama"), pruned = tmp.path() / "pruned";
  prune_model(in, pruned, options(PruneMethod::kMagnitude, SparsityPattern::unstructured(0.5)));
  for (quant::QuantFormat f : {quant::QuantFormat::kInt4G128, quant::QuantFormat::kInt4G128Asym,
                               quant::QuantFormat::kInt8}) {
    const fs::path q = tmp.path() / std::string(quant::to_string(f));
    model::QuantizeOptions qo;
    qo.format = f;
    model::quantize_model(pruned, q, qo);
    const auto m = model::Model::load(q);
    const io::ModelConfig c = io::load_hf_config(in / "config.json");
    int64_t checked = 0;
    for (const LinearWeight& l : layer_linear_weights(c)) {
      if (l.slot != model::WeightSlot::kUp && l.slot != model::WeightSlot::kO) continue;
      const model::LayerWeights& lw = m->weights().layers[static_cast<size_t>(l.layer)];
      const auto* ql = dynamic_cast<const model::QuantizedLinear*>(l.slot == model::WeightSlot::kUp ? lw.up.get()
                                                                                                    : lw.o.get());
      ASSERT_NE(ql, nullptr) << l.name;
      const Tensor deq = quant::dequantize(ql->weight());
      const auto w = tensor_f32(pruned, l.name);
      for (size_t i = 0; i < w.size(); ++i) {
        if (w[i] == 0.0f) ASSERT_EQ(deq.data<float>()[i], 0.0f) << quant::to_string(f) << " " << l.name << " " << i;
      }
      ++checked;
    }
    EXPECT_EQ(checked, 2 * c.num_hidden_layers);
  }
}

TEST(PruneModel, RefusesBadOutputsAndOptionsBeforeWriting) {
  TempDir tmp;
  const fs::path in = fixture("tiny-llama");
  const auto mag = options(PruneMethod::kMagnitude, SparsityPattern::unstructured(0.5));
  EXPECT_THROW(prune_model(in, in, mag), ConfigError);
  EXPECT_THROW(prune_model(in, in / "sub", mag), ConfigError);
  EXPECT_FALSE(fs::exists(in / "sub"));
  fs::create_directories(tmp.path() / "full");
  write_file(tmp.path() / "full" / "x", "x");
  EXPECT_THROW(prune_model(in, tmp.path() / "full", mag), ConfigError);

  PruneOptions o = mag;
  o.storage = SparseStorage::kSparse24;
  EXPECT_THROW(prune_model(in, tmp.path() / "a", o), ConfigError);
  o = options(PruneMethod::kMagnitude, SparsityPattern::nm(4, 8));
  o.storage = SparseStorage::kSparse24;
  EXPECT_THROW(prune_model(in, tmp.path() / "a", o), ConfigError);
  EXPECT_THROW(prune_model(in, tmp.path() / "a", options(PruneMethod::kWanda, SparsityPattern::unstructured(0.5))),
               ConfigError);
  EXPECT_THROW(prune_model(in, tmp.path() / "a",
                           options(PruneMethod::kSparseGpt, SparsityPattern::unstructured(0.5), tmp.path() / "none")),
               ConfigError);
  // 256 input features are not a multiple of 48.
  EXPECT_THROW(prune_model(fixture("tiny-qwen2"), tmp.path() / "a",
                           options(PruneMethod::kMagnitude, SparsityPattern::nm(2, 48))),
               ConfigError);
  EXPECT_FALSE(fs::exists(tmp.path() / "a"));

  // A quantized (or sparse-stored) checkpoint is pruned from its original.
  model::QuantizeOptions qo;
  model::quantize_model(in, tmp.path() / "q", qo);
  EXPECT_THROW(prune_model(tmp.path() / "q", tmp.path() / "a", mag), ConfigError);
  EXPECT_FALSE(fs::exists(tmp.path() / "a"));
}

}  // namespace
}  // namespace slimlm::compress
