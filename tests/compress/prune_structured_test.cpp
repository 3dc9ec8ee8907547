// Structured pruning (compress/prune_structured.h) on the fixtures. The cut
// model must compute exactly what the original computes with the removed
// parts silenced: MLP channels with their down_proj columns zeroed, heads
// with their o_proj columns zeroed, layers with their o_proj and down_proj
// zeroed (the residual stream then passes them unchanged). Those references
// are written as full-size checkpoints and run by the same forward pass.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>

#include "prune_test_util.h"
#include "slimlm/compress/layer_drop.h"
#include "slimlm/compress/prune_structured.h"
#include "slimlm/core/error.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/io/safetensors_writer.h"
#include "slimlm/model/layer_tensors.h"
#include "slimlm/model/model.h"

namespace slimlm::compress {
namespace {

using namespace prune_test;
using model::WeightSlot;

// A copy of `src` whose tensors `edit` may change (as f32, written back in
// their dtype).
void write_edited(const fs::path& src, const fs::path& dst,
                  const std::function<void(const std::string&, std::vector<float>&, const Shape&)>& edit) {
  fs::create_directories(dst);
  const io::Checkpoint ck = io::Checkpoint::open(src);
  io::NamedTensors out;
  for (const std::string& name : ck.tensor_names()) {
    const Tensor t = ck.tensor(name);
    std::vector<float> v = f32_values(t);
    const std::vector<float> before = v;
    edit(name, v, t.shape());
    if (v == before) {
      out.emplace_back(name, t);
      continue;
    }
    Tensor f = Tensor::empty(DType::kF32, t.shape());
    std::copy(v.begin(), v.end(), f.mutable_data<float>());
    out.emplace_back(name, t.dtype() == DType::kF32 ? f : f.to(t.dtype()));
  }
  io::write_safetensors(dst / "model.safetensors", out);
  fs::copy_file(src / "config.json", dst / "config.json");
}

void zero_columns(std::vector<float>& v, const Shape& s, const std::vector<int64_t>& cols) {
  for (int64_t r = 0; r < s[0]; ++r) {
    for (int64_t c : cols) v[static_cast<size_t>(r * s[1] + c)] = 0.0f;
  }
}

// Which blocks of `width` rows of `orig` reappear, in order, as the rows of
// `cut`: the kept units, found by value (and so checked to be copies).
std::vector<int64_t> kept_blocks(const std::vector<float>& orig, const std::vector<float>& cut, int64_t cols,
                                 int64_t width) {
  const int64_t n_orig = static_cast<int64_t>(orig.size()) / (cols * width);
  const int64_t n_cut = static_cast<int64_t>(cut.size()) / (cols * width);
  std::vector<int64_t> kept;
  int64_t next = 0;
  for (int64_t b = 0; b < n_cut; ++b) {
    const float* cb = cut.data() + b * width * cols;
    while (next < n_orig &&
           !std::equal(cb, cb + width * cols, orig.data() + next * width * cols)) {
      ++next;
    }
    EXPECT_LT(next, n_orig) << "block " << b << " of the cut tensor is no block of the original";
    kept.push_back(next++);
  }
  return kept;
}

std::vector<int64_t> complement(const std::vector<int64_t>& kept, int64_t n) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::binary_search(kept.begin(), kept.end(), i)) out.push_back(i);
  }
  return out;
}

std::string name_of(const io::ModelConfig& c, int64_t layer, WeightSlot slot, bool bias = false) {
  return model::layer_tensor_name(c, layer, slot, bias);
}

void expect_same_logits(const fs::path& a_dir, const fs::path& b_dir) {
  const auto a = model::Model::load(a_dir);
  const auto b = model::Model::load(b_dir);
  const std::vector<int32_t> ids = {0, 17, 400, 33, 1024, 5, 77, 901, 12, 2000, 64, 8, 1500, 3, 999, 42};
  const Tensor la = a->score(ids, 2, 8), lb = b->score(ids, 2, 8);
  ASSERT_EQ(la.shape(), lb.shape());
  double maxd = 0, maxa = 0;
  for (uint64_t i = 0; i < la.numel(); ++i) {
    maxd = std::max(maxd, double(std::fabs(la.data<float>()[i] - lb.data<float>()[i])));
    maxa = std::max(maxa, double(std::fabs(lb.data<float>()[i])));
  }
  EXPECT_LT(maxd, 2e-5 * maxa) << a_dir << " vs " << b_dir;
}

TEST(PruneStructured, ChannelsComputeWhatZeroedChannelsDo) {
  TempDir tmp;
  const fs::path in = fixture("tiny-llama"), out = tmp.path() / "ch";
  StructuredOptions o;
  o.kind = StructuredKind::kChannels;
  o.ratio = 0.25;
  const StructuredReport r = prune_structured(in, out, o);
  const io::ModelConfig c = io::load_hf_config(in / "config.json");
  EXPECT_EQ(r.ffn_after, 384);
  EXPECT_EQ(read_json(out / "config.json")["intermediate_size"], 384);
  EXPECT_EQ(r.importance, "magnitude");
  std::map<int64_t, std::vector<int64_t>> removed;
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const auto gate0 = tensor_f32(in, name_of(c, l, WeightSlot::kGate));
    const auto gate1 = tensor_f32(out, name_of(c, l, WeightSlot::kGate));
    const std::vector<int64_t> kept = kept_blocks(gate0, gate1, c.hidden_size, 1);
    ASSERT_EQ(kept.size(), 384u);
    EXPECT_EQ(kept_blocks(tensor_f32(in, name_of(c, l, WeightSlot::kUp)),
                          tensor_f32(out, name_of(c, l, WeightSlot::kUp)), c.hidden_size, 1),
              kept);
    removed[l] = complement(kept, c.intermediate_size);
  }
  write_edited(in, tmp.path() / "ref", [&](const std::string& name, std::vector<float>& v, const Shape& s) {
    for (const auto& [l, cols] : removed) {
      if (name == name_of(c, l, WeightSlot::kDown)) zero_columns(v, s, cols);
    }
  });
  expect_same_logits(out, tmp.path() / "ref");
  EXPECT_LT(r.params_after, r.params_before);
  EXPECT_EQ(r.params_before - r.params_after, static_cast<uint64_t>(c.num_hidden_layers * 128 * 3 * c.hidden_size));
}

struct HeadCase {
  const char* fixture;
  HeadUnit unit;
  double ratio;
  int64_t heads_after, kv_after;
};

class PruneHeads : public ::testing::TestWithParam<HeadCase> {};

TEST_P(PruneHeads, ComputeWhatZeroedHeadsDo) {
  const HeadCase hc = GetParam();
  TempDir tmp;
  const fs::path in = fixture(hc.fixture), out = tmp.path() / "heads";
  StructuredOptions o;
  o.kind = StructuredKind::kHeads;
  o.ratio = hc.ratio;
  o.head_unit = hc.unit;
  prune_structured(in, out, o);
  const io::ModelConfig c = io::load_hf_config(in / "config.json");
  const auto cfg = read_json(out / "config.json");
  EXPECT_EQ(cfg["num_attention_heads"], hc.heads_after);
  EXPECT_EQ(cfg["num_key_value_heads"], hc.kv_after);
  EXPECT_EQ(cfg["head_dim"], c.head_dim);
  EXPECT_EQ(cfg["hidden_size"], c.hidden_size);
  const int64_t D = c.head_dim, C = c.hidden_size;
  std::map<int64_t, std::vector<int64_t>> removed_q;
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const std::vector<int64_t> q_kept = kept_blocks(tensor_f32(in, name_of(c, l, WeightSlot::kQ)),
                                                    tensor_f32(out, name_of(c, l, WeightSlot::kQ)), C, D);
    const std::vector<int64_t> kv_kept = kept_blocks(tensor_f32(in, name_of(c, l, WeightSlot::kK)),
                                                     tensor_f32(out, name_of(c, l, WeightSlot::kK)), C, D);
    ASSERT_EQ(static_cast<int64_t>(q_kept.size()), hc.heads_after);
    ASSERT_EQ(static_cast<int64_t>(kv_kept.size()), hc.kv_after);
    EXPECT_EQ(kept_blocks(tensor_f32(in, name_of(c, l, WeightSlot::kV)), tensor_f32(out, name_of(c, l, WeightSlot::kV)),
                          C, D),
              kv_kept);
    // Every kept query head still reads a kept key/value head, in order.
    const int64_t G = c.num_attention_heads / c.num_key_value_heads, G1 = hc.heads_after / hc.kv_after;
    for (size_t i = 0; i < q_kept.size(); ++i) EXPECT_EQ(q_kept[i] / G, kv_kept[i / static_cast<size_t>(G1)]);
    if (c.attention_bias) {
      const auto qb0 = tensor_f32(in, name_of(c, l, WeightSlot::kQ, true));
      const auto qb1 = tensor_f32(out, name_of(c, l, WeightSlot::kQ, true));
      EXPECT_EQ(kept_blocks(qb0, qb1, 1, D), q_kept);
    }
    removed_q[l] = complement(q_kept, c.num_attention_heads);
  }
  write_edited(in, tmp.path() / "ref", [&](const std::string& name, std::vector<float>& v, const Shape& s) {
    for (const auto& [l, heads] : removed_q) {
      std::vector<int64_t> cols;
      for (int64_t h : heads) {
        for (int64_t j = h * D; j < (h + 1) * D; ++j) cols.push_back(j);
      }
      if (name == name_of(c, l, WeightSlot::kO)) zero_columns(v, s, cols);
    }
  });
  expect_same_logits(out, tmp.path() / "ref");
}

INSTANTIATE_TEST_SUITE_P(
    Units, PruneHeads,
    ::testing::Values(HeadCase{"tiny-llama", HeadUnit::kGroup, 0.5, 2, 1},
                      HeadCase{"tiny-llama", HeadUnit::kQuery, 0.5, 2, 2},
                      HeadCase{"tiny-qwen2", HeadUnit::kGroup, 0.25, 6, 3},
                      HeadCase{"tiny-qwen2", HeadUnit::kQuery, 0.5, 4, 4},
                      HeadCase{"tiny-llama-spm", HeadUnit::kGroup, 0.25, 3, 3}),
    [](const auto& info) {
      std::string s = std::string(info.param.fixture) + "_" + std::string(to_string(info.param.unit));
      for (char& ch : s) {
        if (ch == '-') ch = '_';
      }
      return s;
    });

TEST(PruneStructured, LayerDropRenumbersAndSkipsTheLayers) {
  for (const char* name : {"tiny-llama", "tiny-qwen2"}) {
    SCOPED_TRACE(name);
    TempDir tmp;
    const fs::path in = fixture(name), out = tmp.path() / "drop";
    StructuredOptions o;
    o.kind = StructuredKind::kLayers;
    o.drop_layers = {2, 1};
    const StructuredReport r = prune_structured(in, out, o);
    EXPECT_EQ(r.dropped_layers, (std::vector<int64_t>{1, 2}));
    const io::ModelConfig c = io::load_hf_config(in / "config.json");
    const auto cfg = read_json(out / "config.json");
    EXPECT_EQ(cfg["num_hidden_layers"], 2);
    if (cfg.contains("layer_types")) EXPECT_EQ(cfg["layer_types"].size(), 2u);
    // New layer 1 is old layer 3, tensor by tensor; no other layer remains.
    const io::Checkpoint a = io::Checkpoint::open(in), b = io::Checkpoint::open(out);
    int64_t layer_tensors = 0;
    for (const std::string& t : b.tensor_names()) {
      const int64_t l = layer_of_tensor(t);
      ASSERT_LT(l, 2) << t;
      if (l < 0) continue;
      ++layer_tensors;
      std::string old = t;
      old.replace(0, std::string("model.layers.").size() + 1, "model.layers." + std::to_string(l == 0 ? 0 : 3));
      EXPECT_EQ(tensor_f32(out, t), tensor_f32(in, old)) << t << " vs " << old;
    }
    int64_t per_layer = 0;
    for (const std::string& t : a.tensor_names()) per_layer += layer_of_tensor(t) == 0;
    EXPECT_EQ(layer_tensors, 2 * per_layer);
    // The original with layers 1 and 2 writing nothing into the residual stream.
    write_edited(in, tmp.path() / "ref", [&](const std::string& t, std::vector<float>& v, const Shape&) {
      const int64_t l = layer_of_tensor(t);
      if ((l == 1 || l == 2) &&
          (t == name_of(c, l, WeightSlot::kO) || t == name_of(c, l, WeightSlot::kDown))) {
        std::fill(v.begin(), v.end(), 0.0f);
      }
    });
    expect_same_logits(out, tmp.path() / "ref");
  }
}

TEST(PruneStructured, ActivationImportanceAndBlockInfluenceUseTheCalibrationText) {
  TempDir tmp;
  const TextSplit text = war_and_peace_split();
  write_file(tmp.path() / "calib.txt", text.calib);
  const fs::path in = fixture("tiny-llama");
  StructuredOptions o;
  o.calib.file = (tmp.path() / "calib.txt").string();
  o.calib.samples = 8;
  o.calib.seq_len = 128;
  o.kind = StructuredKind::kChannels;
  o.ratio = 0.5;
  const StructuredReport ch = prune_structured(in, tmp.path() / "ch", o);
  EXPECT_EQ(ch.importance, "activation");
  EXPECT_EQ(read_json(tmp.path() / "ch" / "recipe.json")["calibration"]["samples"], 8);
  EXPECT_NO_THROW(model::Model::load(tmp.path() / "ch"));

  o.kind = StructuredKind::kLayers;
  o.ratio = 0.5;
  const StructuredReport ly = prune_structured(in, tmp.path() / "ly", o);
  EXPECT_EQ(ly.importance, "block_influence");
  ASSERT_EQ(ly.layer_scores.size(), 4u);
  for (double b : ly.layer_scores) {
    EXPECT_GT(b, 0.0);
    EXPECT_LT(b, 2.0);
  }
  ASSERT_EQ(ly.dropped_layers.size(), 2u);
  // The dropped ones are the two of least influence.
  for (int64_t d : ly.dropped_layers) {
    for (int64_t l = 0; l < 4; ++l) {
      if (std::find(ly.dropped_layers.begin(), ly.dropped_layers.end(), l) == ly.dropped_layers.end()) {
        EXPECT_LE(ly.layer_scores[static_cast<size_t>(d)], ly.layer_scores[static_cast<size_t>(l)]);
      }
    }
  }
  EXPECT_EQ(read_json(tmp.path() / "ly" / "config.json")["num_hidden_layers"], 2);
}

TEST(PruneStructured, RefusesWhatCannotBeDone) {
  TempDir tmp;
  const fs::path in = fixture("tiny-llama");
  StructuredOptions o;
  o.kind = StructuredKind::kHeads;
  o.ratio = 0.2;  // 2 GQA groups: round(0.4) = 0 removed
  EXPECT_THROW(prune_structured(in, tmp.path() / "a", o), ConfigError);
  o.ratio = 1.0;
  EXPECT_THROW(prune_structured(in, tmp.path() / "a", o), ConfigError);
  o.kind = StructuredKind::kChannels;
  o.ratio = 0.0;
  EXPECT_THROW(prune_structured(in, tmp.path() / "a", o), ConfigError);
  o.kind = StructuredKind::kLayers;
  o.ratio = 0.5;  // block influence needs a calibration text
  EXPECT_THROW(prune_structured(in, tmp.path() / "a", o), ConfigError);
  o.ratio = 0;
  o.drop_layers = {0, 1, 2, 3};
  EXPECT_THROW(prune_structured(in, tmp.path() / "a", o), ConfigError);
  o.kind = StructuredKind::kChannels;
  o.drop_layers = {1};
  EXPECT_THROW(prune_structured(in, tmp.path() / "a", o), ConfigError);
  EXPECT_FALSE(fs::exists(tmp.path() / "a"));
  EXPECT_EQ(parse_layer_list("3, 1,1", 4), (std::vector<int64_t>{1, 3}));
  EXPECT_THROW(parse_layer_list("1,x", 4), ConfigError);
  EXPECT_THROW(parse_layer_list("4", 4), ConfigError);
  EXPECT_THROW(parse_layer_list("", 4), ConfigError);
}

}  // namespace
}  // namespace slimlm::compress
