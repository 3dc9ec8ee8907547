// Model::score / decode against the scalar reference forward pass
// (model_test_util.h) on tiny random checkpoints of every architecture and
// feature: GQA, llama3 and linear rope scaling, q/k/v/o and MLP biases, tied
// embeddings, sliding windows, f32 / f16 / bf16 storage.
#include <gtest/gtest.h>

#include <cstring>

#include "model_test_util.h"
#include "slimlm/core/error.h"
#include "slimlm/model/dense_linear.h"
#include "slimlm/model/model.h"

namespace slimlm::model {
namespace {

using slimlm::testing::CheckpointOptions;
using slimlm::testing::max_rel_error;
using slimlm::testing::random_tokens;
using slimlm::testing::reference_forward;
using slimlm::testing::ScratchDir;
using slimlm::testing::write_checkpoint;
using Json = nlohmann::json;

// f32 sums in another order than the f64 reference: about 1e-6 here; the
// goldens allow 1e-4.
constexpr double kTol = 2e-5;

struct Variant {
  const char* name;
  Json config;
  int64_t T;
};

std::vector<Variant> variants() {
  using namespace slimlm::testing;
  return {
      {"llama_gqa_llama3_rope",
       llama_config(Json::parse(R"({"rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3",
          "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
          "original_max_position_embeddings": 32}})")),
       40},
      {"llama_biases_linear_rope",
       llama_config(Json::parse(R"({"attention_bias": true, "mlp_bias": true,
          "rope_scaling": {"type": "linear", "factor": 2.0}})")),
       23},
      {"llama_mha_tied_head_dim_from_hidden",
       llama_config(Json::parse(R"({"num_key_value_heads": 4, "head_dim": null,
          "tie_word_embeddings": true})")),
       17},
      {"qwen2_bias_tied", qwen2_config(), 30},
      {"qwen2_window_from_layer_1",
       qwen2_config(Json::parse(R"({"use_sliding_window": true, "sliding_window": 5,
          "max_window_layers": 1})")),
       30},
      {"mistral_window", mistral_config(), 25},
  };
}

class ModelVariantTest : public ::testing::TestWithParam<Variant> {};

TEST_P(ModelVariantTest, ScoreMatchesReferenceLogitsAndHiddenStates) {
  ScratchDir dir;
  const auto c = write_checkpoint(dir.path(), GetParam().config);
  const auto model = Model::load(dir.path());
  const int64_t T = GetParam().T;
  const auto ids = random_tokens(T, c.vocab_size, 3);
  std::vector<Tensor> hidden;
  const Tensor logits = model->score(ids, 1, T, {}, &hidden);
  ASSERT_EQ(logits.shape(), (Shape{1, T, c.vocab_size}));
  const auto ref = reference_forward(dir.path(), ids);
  const double err = max_rel_error({logits.data<float>(), logits.numel()}, ref.logits);
  EXPECT_LE(err, kTol);
  ASSERT_EQ(hidden.size(), ref.hidden.size());
  for (size_t k = 0; k < hidden.size(); ++k) {
    ASSERT_EQ(hidden[k].shape(), (Shape{1, T, c.hidden_size}));
    EXPECT_LE(max_rel_error({hidden[k].data<float>(), hidden[k].numel()}, ref.hidden[k]), kTol)
        << "hidden state " << k;
  }
}

TEST_P(ModelVariantTest, DecodeInChunksEqualsScore) {
  ScratchDir dir;
  const auto c = write_checkpoint(dir.path(), GetParam().config);
  const auto model = Model::load(dir.path());
  const int64_t T = GetParam().T;
  const auto ids = random_tokens(T, c.vocab_size, 4);
  const Tensor full = model->score(ids, 1, T);
  const int64_t V = c.vocab_size;

  auto cache = model->new_cache(T);
  int64_t at = 0;
  for (int64_t chunk : {3, 1, 1, 7, 1}) {
    const Tensor l = model->decode(*cache, std::span(ids).subspan(at, chunk), true);
    ASSERT_EQ(l.shape(), (Shape{chunk, V}));
    EXPECT_LE(max_rel_error({l.data<float>(), l.numel()}, {full.data<float>() + at * V,
                                                          static_cast<size_t>(chunk * V)}),
              kTol)
        << "chunk at " << at;
    at += chunk;
    EXPECT_EQ(cache->size(), at);
  }
  // The rest one token at a time, last-row logits only.
  for (; at < T; ++at) {
    const Tensor l = model->decode(*cache, std::span(ids).subspan(at, 1));
    ASSERT_EQ(l.shape(), (Shape{V}));
    EXPECT_LE(max_rel_error({l.data<float>(), l.numel()},
                            {full.data<float>() + at * V, static_cast<size_t>(V)}),
              kTol)
        << "token " << at;
  }
}

TEST_P(ModelVariantTest, PaddedBatchEqualsRowByRow) {
  ScratchDir dir;
  const auto c = write_checkpoint(dir.path(), GetParam().config);
  const auto model = Model::load(dir.path());
  const int64_t T = GetParam().T, V = c.vocab_size, B = 3;
  const std::vector<int64_t> lengths = {T, 5, 1};
  auto ids = random_tokens(B * T, V, 5);
  std::vector<Tensor> hidden;
  const Tensor batch = model->score(ids, B, T, lengths, &hidden);
  ASSERT_EQ(batch.shape(), (Shape{B, T, V}));
  for (int64_t b = 0; b < B; ++b) {
    const int64_t len = lengths[static_cast<size_t>(b)];
    std::vector<Tensor> row_hidden;
    const Tensor row = model->score(std::span(ids).subspan(b * T, len), 1, len, {}, &row_hidden);
    const float* got = batch.data<float>() + b * T * V;
    EXPECT_LE(max_rel_error({got, static_cast<size_t>(len * V)}, {row.data<float>(), row.numel()}),
              1e-6)
        << "row " << b;
    for (int64_t i = len * V; i < T * V; ++i) ASSERT_EQ(got[i], 0.f) << "padding of row " << b;
    const int64_t C = c.hidden_size;
    for (size_t k = 0; k < hidden.size(); ++k) {
      EXPECT_LE(max_rel_error({hidden[k].data<float>() + b * T * C, static_cast<size_t>(len * C)},
                              {row_hidden[k].data<float>(), row_hidden[k].numel()}),
                1e-6);
    }
  }
  // Padding tokens do not matter, even out-of-vocabulary ones.
  ids[static_cast<size_t>(T + 5)] = -1;
  const Tensor again = model->score(ids, B, T, lengths);
  EXPECT_EQ(std::memcmp(again.raw_data(), batch.raw_data(), batch.nbytes()), 0);
}

INSTANTIATE_TEST_SUITE_P(Architectures, ModelVariantTest, ::testing::ValuesIn(variants()),
                         [](const auto& info) { return std::string(info.param.name); });

class StorageDtypeTest : public ::testing::TestWithParam<DType> {};

TEST_P(StorageDtypeTest, LoadsAndMatchesReference) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.dtype = GetParam();
  const auto c = write_checkpoint(dir.path(), slimlm::testing::qwen2_config(), opts);
  const auto model = Model::load(dir.path());
  const auto ids = random_tokens(12, c.vocab_size, 6);
  const Tensor logits = model->score(ids, 1, 12);
  const auto ref = reference_forward(dir.path(), ids);
  EXPECT_LE(max_rel_error({logits.data<float>(), logits.numel()}, ref.logits), kTol);
  // f32 weights are used in place from the (read-only) mapping; others are
  // converted once into the writable weight arena.
  EXPECT_FALSE(model->weights().embed.owns_memory());
  EXPECT_EQ(model->weights().embed.writable(), GetParam() != DType::kF32);
  EXPECT_EQ(model->weights().embed.dtype(), DType::kF32);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, StorageDtypeTest,
                         ::testing::Values(DType::kF32, DType::kF16, DType::kBF16),
                         [](const auto& info) { return std::string(to_string(info.param)); });

TEST(Model, LoadsShardedCheckpoints) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.shards = 3;
  opts.dtype = DType::kBF16;
  const auto c = write_checkpoint(dir.path(), slimlm::testing::llama_config(), opts);
  ASSERT_TRUE(std::filesystem::exists(dir.path() / "model-00003-of-00003.safetensors"));
  const auto model = Model::load(dir.path());
  const auto ids = random_tokens(9, c.vocab_size, 12);
  const Tensor logits = model->score(ids, 1, 9);
  EXPECT_LE(max_rel_error({logits.data<float>(), logits.numel()},
                          reference_forward(dir.path(), ids).logits),
            kTol);
}

TEST(Model, CountsParametersAndBytes) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.dtype = DType::kBF16;
  const auto c = write_checkpoint(dir.path(), slimlm::testing::qwen2_config(), opts);
  const auto model = Model::load(dir.path());
  const int64_t C = c.hidden_size, F = c.intermediate_size, Q = c.q_dim(), KV = c.kv_dim();
  const int64_t per_layer = 2 * C + Q * C + Q + 2 * (KV * C + KV) + C * Q + 3 * F * C;
  const int64_t want = c.vocab_size * C + c.num_hidden_layers * per_layer + C;  // tied head
  EXPECT_EQ(model->parameter_count(), static_cast<uint64_t>(want));
  EXPECT_EQ(model->weight_bytes(), static_cast<uint64_t>(want) * 4);
  EXPECT_TRUE(model->weights().tied);
  const auto& head = dynamic_cast<const DenseLinear&>(*model->weights().lm_head);
  EXPECT_EQ(head.weight().raw_data(), model->weights().embed.raw_data());  // shared, not copied
  EXPECT_EQ(model->weights().layers[0].q->kind(), "dense");
  EXPECT_TRUE(dynamic_cast<const DenseLinear&>(*model->weights().layers[0].q).has_bias());
  EXPECT_FALSE(dynamic_cast<const DenseLinear&>(*model->weights().layers[0].o).has_bias());
}

TEST(Model, LayerWindowsFollowTheArchitecture) {
  ScratchDir a, b, d;
  write_checkpoint(a.path(), slimlm::testing::mistral_config());
  write_checkpoint(b.path(), slimlm::testing::qwen2_config(Json::parse(
                                 R"({"use_sliding_window": true, "sliding_window": 7,
                                     "max_window_layers": 2})")));
  write_checkpoint(d.path(), slimlm::testing::qwen2_config());
  const auto mistral = Model::load(a.path());
  EXPECT_EQ(mistral->layer_window(0), 6);
  EXPECT_EQ(mistral->layer_window(1), 6);
  const auto qwen = Model::load(b.path());
  EXPECT_EQ(qwen->layer_window(0), 0);
  EXPECT_EQ(qwen->layer_window(1), 0);
  EXPECT_EQ(qwen->layer_window(2), 7);
  const auto qwen_full = Model::load(d.path());  // use_sliding_window false
  for (int64_t l = 0; l < 3; ++l) EXPECT_EQ(qwen_full->layer_window(l), 0);
}

TEST(KvCache, OverflowThrowsAndLeavesTheCacheUsable) {
  ScratchDir dir;
  const auto c = write_checkpoint(dir.path(), slimlm::testing::llama_config());
  const auto model = Model::load(dir.path());
  const auto ids = random_tokens(8, c.vocab_size, 7);
  auto cache = model->new_cache(6);
  EXPECT_EQ(cache->capacity(), 6);
  EXPECT_EQ(cache->bytes(), uint64_t{2} * 2 * 2 * 6 * 16 * 4);  // K+V, L, Hkv, cap, D, f32
  model->decode(*cache, std::span(ids).first(4));
  EXPECT_THROW(model->decode(*cache, std::span(ids).subspan(4, 3)), Error);
  EXPECT_EQ(cache->size(), 4);
  const Tensor l5 = model->decode(*cache, std::span(ids).subspan(4, 2), true);
  EXPECT_EQ(cache->size(), 6);
  EXPECT_THROW(model->decode(*cache, std::span(ids).subspan(6, 1)), Error);

  // Rewind two tokens and decode them again: the same logits.
  cache->truncate(4);
  const Tensor again = model->decode(*cache, std::span(ids).subspan(4, 2), true);
  EXPECT_EQ(std::memcmp(again.raw_data(), l5.raw_data(), l5.nbytes()), 0);
  EXPECT_THROW(cache->truncate(7), Error);
  cache->clear();
  EXPECT_EQ(cache->size(), 0);
  EXPECT_THROW(model->decode(*cache, {}), Error);
}

TEST(KvCache, RejectsACacheOfAnotherShape) {
  ScratchDir a, b;
  write_checkpoint(a.path(), slimlm::testing::llama_config());
  write_checkpoint(b.path(), slimlm::testing::mistral_config());
  const auto llama = Model::load(a.path());
  const auto mistral = Model::load(b.path());
  auto cache = mistral->new_cache(4);
  const int32_t id = 1;
  EXPECT_THROW(llama->decode(*cache, std::span(&id, 1)), Error);
}

TEST(Model, DecodesPastMaxPositionsWithAWarning) {
  ScratchDir dir;
  const auto c = write_checkpoint(dir.path(), slimlm::testing::llama_config(
                                                  Json::parse(R"({"max_position_embeddings": 4})")));
  const auto model = Model::load(dir.path());
  const auto ids = random_tokens(6, c.vocab_size, 8);
  ::testing::internal::CaptureStderr();
  auto cache = model->new_cache(6);
  model->decode(*cache, ids);
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("max_position_embeddings"), std::string::npos) << err;
  EXPECT_EQ(cache->size(), 6);
}

TEST(Model, RejectsTokensOutsideTheVocabularyAndBadSizes) {
  ScratchDir dir;
  const auto c = write_checkpoint(dir.path(), slimlm::testing::llama_config());
  const auto model = Model::load(dir.path());
  std::vector<int32_t> ids = {1, 2, static_cast<int32_t>(c.vocab_size)};
  EXPECT_THROW(model->score(ids, 1, 3), Error);
  ids[2] = -3;
  EXPECT_THROW(model->score(ids, 1, 3), Error);
  auto cache = model->new_cache(4);
  EXPECT_THROW(model->decode(*cache, ids), Error);
  EXPECT_EQ(cache->size(), 0);
  ids[2] = 3;
  EXPECT_THROW(model->score(ids, 2, 3), Error);                      // 3 tokens for 2x3
  EXPECT_THROW(model->score(ids, 1, 3, std::vector<int64_t>{4}), Error);  // length > T
  EXPECT_THROW(model->score(ids, 1, 3, std::vector<int64_t>{1, 1}), Error);
  // An empty batch and an empty row are fine.
  EXPECT_EQ(model->score({}, 0, 5).numel(), 0u);
  const Tensor z = model->score(ids, 1, 3, std::vector<int64_t>{0});
  for (uint64_t i = 0; i < z.numel(); ++i) ASSERT_EQ(z.data<float>()[i], 0.f);
}

}  // namespace
}  // namespace slimlm::model

namespace slimlm::model {
namespace {

TEST(Model, ConstructorChecksWeightShapesAgainstTheConfig) {
  slimlm::testing::ScratchDir dir;
  const auto c = slimlm::testing::write_checkpoint(dir.path(), slimlm::testing::llama_config());
  auto good = Model::load(dir.path());
  // Rebuild from the loaded weights, swapping one layer's k for a q-shaped one.
  ModelWeights w = std::move(good->weights());
  const auto& q = dynamic_cast<const DenseLinear&>(*w.layers[1].q);
  w.layers[1].k = std::make_unique<DenseLinear>(q.weight());
  try {
    Model bad(c, std::move(w));
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("layer 1 k is 64 -> 64, expected 64 -> 32"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace slimlm::model
