// LayerRunner (model/layer_runner.h) against Model::score: the same kernels in
// the same order, so every layer's output must match the hidden states bit
// for bit, on the fixtures and on a sliding-window config.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

#include "model_test_util.h"
#include "slimlm/core/error.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/model/layer_runner.h"
#include "slimlm/model/layer_tensors.h"
#include "slimlm/model/model.h"

namespace slimlm {
namespace {

namespace fs = std::filesystem;

void expect_layers_match(const fs::path& dir, int64_t B, int64_t T) {
  const auto m = model::Model::load(dir);
  const io::ModelConfig& c = m->config();
  const std::vector<int32_t> tokens = testing::random_tokens(B * T, c.vocab_size, 11);
  std::vector<Tensor> hidden;
  m->score(tokens, B, T, {}, &hidden);

  const io::Checkpoint ck = io::Checkpoint::open(dir);
  const int64_t C = c.hidden_size;
  std::vector<float> x(static_cast<size_t>(B * T * C));
  model::embed_rows(ck, c, tokens, x.data());
  ASSERT_EQ(0, std::memcmp(x.data(), hidden[0].data<float>(), x.size() * sizeof(float)));
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    const model::LayerTensors t = model::load_layer_tensors(ck, c, l);
    const model::LayerRunner runner(c, l, T);
    runner.forward(model::dense_view(t), x.data(), B);
    if (l + 1 == c.num_hidden_layers) break;  // the last hidden state is after the final norm
    const float* want = hidden[static_cast<size_t>(l + 1)].data<float>();
    int64_t diff = 0;
    for (size_t i = 0; i < x.size(); ++i) diff += x[i] != want[i];
    ASSERT_EQ(diff, 0) << dir << " layer " << l;
  }
}

TEST(LayerRunner, ReproducesScoreOnFixtures) {
  const fs::path root = fs::path(SLIMLM_SOURCE_DIR) / "models";
  for (const char* name : {"tiny-llama", "tiny-qwen2", "tiny-llama-spm"}) {
    SCOPED_TRACE(name);
    expect_layers_match(root / name, 3, 150);  // 150: a partial second query block
  }
}

TEST(LayerRunner, ReproducesScoreWithSlidingWindows) {
  testing::ScratchDir dir;
  testing::write_checkpoint(dir.path(), testing::mistral_config({{"sliding_window", 24}}));
  expect_layers_match(dir.path(), 2, 70);
}

TEST(LayerRunner, PartsComposeToTheLayer) {
  const fs::path dir = fs::path(SLIMLM_SOURCE_DIR) / "models" / "tiny-qwen2";
  const io::Checkpoint ck = io::Checkpoint::open(dir);
  const auto m = model::Model::load(dir);
  const io::ModelConfig& c = m->config();
  const int64_t B = 2, T = 40, N = B * T, C = c.hidden_size;
  const std::vector<int32_t> tokens = testing::random_tokens(N, c.vocab_size, 3);
  std::vector<float> x(static_cast<size_t>(N * C));
  model::embed_rows(ck, c, tokens, x.data());
  const model::LayerTensors t = model::load_layer_tensors(ck, c, 0);
  const model::LayerWeights w = model::dense_view(t);
  const model::LayerRunner runner(c, 0, T);
  std::vector<float> xn(x.size()), att(static_cast<size_t>(N * c.q_dim())), proj(x.size()),
      a(static_cast<size_t>(N * c.intermediate_size));
  runner.norm(t.attn_norm, x.data(), xn.data(), N);
  runner.attention(w, xn.data(), B, att.data());
  w.o->forward(att.data(), N, proj.data());
  std::vector<float> h(x.size());
  for (size_t i = 0; i < h.size(); ++i) h[i] = x[i] + proj[i];
  runner.norm(t.mlp_norm, h.data(), xn.data(), N);
  runner.mlp_hidden(w, xn.data(), N, a.data());
  w.down->forward(a.data(), N, proj.data());
  for (size_t i = 0; i < h.size(); ++i) h[i] += proj[i];
  runner.forward(w, x.data(), B);
  EXPECT_EQ(0, std::memcmp(h.data(), x.data(), x.size() * sizeof(float)));
}

TEST(LayerTensors, LoadsOneLayerAndNamesItsTensors) {
  const fs::path dir = fs::path(SLIMLM_SOURCE_DIR) / "models" / "tiny-qwen2";
  const io::Checkpoint ck = io::Checkpoint::open(dir);
  const auto m = model::Model::load(dir);
  const io::ModelConfig& c = m->config();
  const model::LayerTensors t = model::load_layer_tensors(ck, c, 2);
  EXPECT_EQ(t.w(model::Proj::kQ).shape(), (Shape{c.q_dim(), c.hidden_size}));
  EXPECT_EQ(t.b(model::Proj::kK).shape(), (Shape{c.kv_dim()}));   // qwen2: q/k/v biases
  EXPECT_EQ(t.b(model::Proj::kO).numel(), 0u);
  EXPECT_EQ(model::layer_tensor_name(c, 2, model::WeightSlot::kDown, false), "model.layers.2.mlp.down_proj.weight");
  EXPECT_EQ(model::layer_tensor_name(c, 2, model::WeightSlot::kO, true), "");
  EXPECT_TRUE(t.w(model::Proj::kDown).writable());
  const model::LayerTensors copy = t.clone();
  EXPECT_NE(copy.w(model::Proj::kDown).raw_data(), t.w(model::Proj::kDown).raw_data());
  EXPECT_THROW(model::load_layer_tensors(ck, c, c.num_hidden_layers), Error);
}

}  // namespace
}  // namespace slimlm
