// The benchmark model from the shared data (label `data`): a real trained
// Llama loads with the expected size, and its long-context paths agree:
// score() over 512 tokens (attention split into query blocks and tasks),
// the same prompt pushed through the KV cache in uneven chunks, and a padded
// batch. Skips cleanly when SLIMLM_DATA is unset.
#include <gtest/gtest.h>

#include <cstdlib>

#include "model_test_util.h"
#include "slimlm/model/model.h"

namespace slimlm::model {
namespace {

std::unique_ptr<Model> load_bench_model() {
  const char* data = std::getenv("SLIMLM_DATA");
  if (!data || !*data) return nullptr;
  return Model::load(std::filesystem::path(data) / "models" / "bench-llama-26m");
}

TEST(BenchModel, LoadsAndAgreesWithItselfOverALongContext) {
  const auto model = load_bench_model();
  if (!model) GTEST_SKIP() << "SLIMLM_DATA is not set";
  // 2·V·C + L·(2C + 2·Q·C + 2·KV·C + 3·F·C) + C for hidden 512, 6 layers,
  // GQA 8/2 of 64, FFN 1536, vocab 8192, untied.
  EXPECT_EQ(model->parameter_count(), 26483200u);
  EXPECT_EQ(model->weight_bytes(), 26483200u * 4);

  const int64_t T = 512, V = model->vocab_size();
  const auto ids = slimlm::testing::random_tokens(T, V, 11);
  const Tensor full = model->score(ids, 1, T);

  auto cache = model->new_cache(T);
  int64_t at = 0;
  for (int64_t chunk : {100, 1, 200, 211}) {
    const Tensor l = model->decode(*cache, std::span(ids).subspan(static_cast<size_t>(at), chunk), true);
    EXPECT_LE(slimlm::testing::max_rel_error({l.data<float>(), l.numel()},
                                             {full.data<float>() + at * V, static_cast<size_t>(chunk * V)}),
              1e-5)
        << "chunk at " << at;
    at += chunk;
  }

  // Row 1 is the first 300 tokens of row 0, padded.
  std::vector<int32_t> batch(ids.begin(), ids.end());
  batch.insert(batch.end(), ids.begin(), ids.end());
  const std::vector<int64_t> lengths = {T, 300};
  const Tensor b = model->score(batch, 2, T, lengths);
  EXPECT_LE(slimlm::testing::max_rel_error({b.data<float>(), static_cast<size_t>(T * V)},
                                           {full.data<float>(), full.numel()}),
            1e-6);
  EXPECT_LE(slimlm::testing::max_rel_error({b.data<float>() + T * V, static_cast<size_t>(300 * V)},
                                           {full.data<float>(), static_cast<size_t>(300 * V)}),
            1e-5);
}

}  // namespace
}  // namespace slimlm::model
