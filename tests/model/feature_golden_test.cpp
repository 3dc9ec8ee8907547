// The features the fixture models lack (llama3 and linear rope scaling,
// o_proj and MLP biases, head_dim != hidden / heads, sliding windows for
// mistral and qwen2's max_window_layers), against transformers on tiny
// random checkpoints made by tools/make_feature_goldens.py (bf16 weights
// run in f32, eager attention). Same measure and bound as golden_test.cpp.
#include <gtest/gtest.h>

#include <iostream>

#include "model_test_util.h"
#include "slimlm/io/safetensors_reader.h"
#include "slimlm/model/model.h"

namespace slimlm::model {
namespace {

constexpr double kTol = 1e-4;

std::filesystem::path variant_dir(const std::string& name) {
  const char* env = std::getenv("SLIMLM_SOURCE_DIR");
  const std::filesystem::path root = env && *env ? env : SLIMLM_SOURCE_DIR;
  return root / "tests" / "model" / "golden" / name;
}

class FeatureGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FeatureGoldenTest, LogitsHiddenStatesAndDecodeMatchTransformers) {
  const auto dir = variant_dir(GetParam());
  const auto golden = io::SafetensorsFile::open(dir / "golden.safetensors");
  const auto model = Model::load(dir);
  const Tensor ids_t = golden->tensor("ids");
  const std::vector<int32_t> ids(ids_t.data<int32_t>(), ids_t.data<int32_t>() + ids_t.numel());
  const auto T = static_cast<int64_t>(ids.size());
  const int64_t V = model->vocab_size();

  std::vector<Tensor> hidden;
  const Tensor logits = model->score(ids, 1, T, {}, &hidden);
  const Tensor want = golden->tensor("logits");
  ASSERT_EQ(want.shape(), (Shape{T, V}));
  const double err = slimlm::testing::max_rel_error({logits.data<float>(), logits.numel()},
                                                    {want.data<float>(), want.numel()});
  std::cout << "[ golden ] " << GetParam() << " logits max rel err " << err << "\n";
  RecordProperty("logits_max_rel_err", ::testing::PrintToString(err));
  EXPECT_LE(err, kTol);

  ASSERT_EQ(static_cast<int64_t>(hidden.size()), model->num_layers() + 1);
  for (size_t k = 0; k < hidden.size(); ++k) {
    const Tensor h = golden->tensor("hidden_" + std::to_string(k));
    EXPECT_LE(slimlm::testing::max_rel_error({hidden[k].data<float>(), hidden[k].numel()},
                                             {h.data<float>(), h.numel()}),
              kTol)
        << "hidden state " << k;
  }

  // The same through the KV cache, one token at a time (windows slide over
  // the cache, positions continue past the rope's original context).
  auto cache = model->new_cache(T);
  double worst = 0;
  for (int64_t t = 0; t < T; ++t) {
    const Tensor l = model->decode(*cache, std::span(ids).subspan(static_cast<size_t>(t), 1));
    worst = std::max(worst, slimlm::testing::max_rel_error(
                                {l.data<float>(), l.numel()},
                                {want.data<float>() + t * V, static_cast<size_t>(V)}));
  }
  EXPECT_LE(worst, kTol);
}

INSTANTIATE_TEST_SUITE_P(Variants, FeatureGoldenTest,
                         ::testing::Values("llama-llama3-rope", "llama-linear-bias",
                                           "mistral-window", "qwen2-window"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace slimlm::model
