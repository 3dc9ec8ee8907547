// eval on a real forward pass: KL of a model against itself, greedy
// generation against the transformers goldens, streaming, sampling
// determinism and the speed harness. Uses models/tiny-llama when it is
// present, else a tiny random checkpoint written by the test.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include "slimlm/core/error.h"
#include "slimlm/eval/generate.h"
#include "slimlm/eval/kld.h"
#include "slimlm/eval/perplexity.h"
#include "slimlm/eval/speed.h"
#include "slimlm/eval/text_stream.h"
#include "slimlm/model/model.h"
#include "slimlm/model/sampler.h"
#include "slimlm/tokenizer/tokenizer.h"
#include "test_util.h"
#include "tiny_model.h"

namespace slimlm::eval {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = SLIMLM_SOURCE_DIR;

// The fixture folder, or a random tiny Llama written under `scratch`.
fs::path model_dir(const testing::TempDir& scratch) {
  const fs::path fixture = kSource / "models" / "tiny-llama";
  if (fs::exists(fixture / "model.safetensors")) return fixture;
  testing::write_tiny_model(scratch.path(), testing::tiny_llama_config());
  return scratch.path();
}

std::vector<int32_t> random_ids(size_t n, int64_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<int32_t> v(n);
  for (auto& t : v) t = static_cast<int32_t>(rng() % static_cast<uint32_t>(vocab));
  return v;
}

TEST(EvalModel, KlDivergenceOfAModelAgainstItselfIsZero) {
  testing::TempDir scratch;
  const fs::path dir = model_dir(scratch);
  const auto a = model::Model::load(dir);
  const auto b = model::Model::load(dir);  // a second instance: the forward pass is deterministic
  const auto tokens = random_ids(4 * 64 + 7, a->vocab_size(), 1);
  PerplexityOptions o;
  o.ctx = 64;
  o.batch = 2;
  o.bos = 1;
  o.progress = false;
  const KldResult r = evaluate_kld(score_fn(*a), score_fn(*b), tokens, o);
  EXPECT_EQ(r.chunks, 4);
  EXPECT_EQ(r.stats.tokens, 4u * 31u);
  EXPECT_EQ(r.stats.kld_mean, 0.0);
  EXPECT_EQ(r.stats.kld_max, 0.0);
  EXPECT_EQ(r.stats.top1, 1.0);
  EXPECT_DOUBLE_EQ(r.stats.ppl_ratio, 1.0);
  EXPECT_GT(r.stats.ppl_base, 1.0);

  // The same windows through evaluate_perplexity give the same perplexity.
  const PerplexityResult p = evaluate_perplexity(score_fn(*a), tokens, o);
  EXPECT_NEAR(p.ppl, r.stats.ppl_base, 1e-9 * p.ppl);
}

TEST(EvalModel, BatchedWindowsEqualOneAtATime) {
  testing::TempDir scratch;
  const auto m = model::Model::load(model_dir(scratch));
  const auto tokens = random_ids(5 * 48, m->vocab_size(), 2);
  PerplexityOptions o;
  o.protocol = PplProtocol::kHf;
  o.ctx = 48;
  o.progress = false;
  o.batch = 1;
  const double one = evaluate_perplexity(score_fn(*m), tokens, o).ppl;
  o.batch = 5;
  const double five = evaluate_perplexity(score_fn(*m), tokens, o).ppl;
  EXPECT_NEAR(one, five, 1e-5 * one);
}

struct GoldenGenerate {
  std::vector<int32_t> prompt_ids, new_ids;
  std::string text;
  int32_t eos = -1;
};

std::optional<GoldenGenerate> golden_case(const std::string& fixture, size_t i) {
  std::ifstream in(kSource / "tests" / "golden" / fixture / "generate.json");
  if (!in) return std::nullopt;
  const auto j = nlohmann::json::parse(in);
  if (i >= j["cases"].size()) return std::nullopt;
  const auto& c = j["cases"][i];
  return GoldenGenerate{c["prompt_ids"].get<std::vector<int32_t>>(), c["new_ids"].get<std::vector<int32_t>>(),
                        c["text"].get<std::string>(), j["eos_token_id"].get<int32_t>()};
}

TEST(EvalModel, GreedyGenerationMatchesTransformers) {
  int checked = 0;
  for (const std::string fixture : {"tiny-llama", "tiny-qwen2", "tiny-llama-spm"}) {
    const fs::path dir = kSource / "models" / fixture;
    if (!fs::exists(dir / "model.safetensors")) continue;
    const auto m = model::Model::load(dir);
    const auto tok = tokenizer::Tokenizer::from_file(dir);
    for (size_t i = 0;; ++i) {
      const auto g = golden_case(fixture, i);
      if (!g) break;
      model::SamplerParams sp;
      sp.temperature = 0.0f;
      model::Sampler sampler(sp);
      GenerateOptions go;
      go.max_new_tokens = static_cast<int64_t>(g->new_ids.size());
      go.stop_ids = {g->eos};
      TextStream stream([&](std::span<const int32_t> ids) { return tok.decode(ids, false); });
      std::string streamed;
      const GenerateResult r = generate(*m, sampler, g->prompt_ids, go,
                                        [&](int32_t id) { streamed += stream.push(id); });
      streamed += stream.flush();
      EXPECT_EQ(r.new_ids, g->new_ids) << fixture << " case " << i;
      EXPECT_EQ(streamed, g->text) << fixture << " case " << i;
      EXPECT_EQ(r.prompt_tokens, static_cast<int64_t>(g->prompt_ids.size()));
      ++checked;
    }
  }
  if (checked == 0) GTEST_SKIP() << "no fixture models with generate.json goldens";
}

TEST(EvalModel, SamplingIsDeterministicForASeed) {
  testing::TempDir scratch;
  const auto m = model::Model::load(model_dir(scratch));
  const std::vector<int32_t> prompt = {1, 5, 9, 11};
  auto run = [&](uint64_t seed) {
    model::SamplerParams sp;  // llama.cpp defaults: temp 0.8, top-k 40, top-p 0.95
    sp.seed = seed;
    model::Sampler s(sp);
    GenerateOptions go;
    go.max_new_tokens = 24;
    return generate(*m, s, prompt, go).new_ids;
  };
  const auto a = run(5);
  EXPECT_EQ(a.size(), 24u);
  EXPECT_EQ(a, run(5));
  EXPECT_NE(a, run(6));
}

TEST(EvalModel, GenerationStopsAtEosAndAtTheCacheSize) {
  testing::TempDir scratch;
  const auto m = model::Model::load(model_dir(scratch));
  const std::vector<int32_t> prompt = {1, 5, 9};
  model::SamplerParams sp;
  sp.temperature = 0.0f;
  model::Sampler s0(sp);
  GenerateOptions go;
  go.max_new_tokens = 8;
  const auto free_run = generate(*m, s0, prompt, go);
  ASSERT_EQ(free_run.new_ids.size(), 8u);

  // Make the 3rd greedy token a stop token: generation ends there, the stop
  // token is returned but not streamed.
  go.stop_ids = {free_run.new_ids[2]};
  model::Sampler s1(sp);
  std::vector<int32_t> streamed;
  const auto stopped = generate(*m, s1, prompt, go, [&](int32_t id) { streamed.push_back(id); });
  const size_t first = static_cast<size_t>(
      std::find(free_run.new_ids.begin(), free_run.new_ids.end(), free_run.new_ids[2]) - free_run.new_ids.begin());
  EXPECT_TRUE(stopped.stopped_at_eos);
  EXPECT_EQ(stopped.new_ids.size(), first + 1);
  EXPECT_EQ(streamed.size(), first);

  go.stop_ids.clear();
  go.ctx = 6;  // 3 prompt tokens + 3 cached new ones
  model::Sampler s2(sp);
  const auto capped = generate(*m, s2, prompt, go);
  EXPECT_TRUE(capped.hit_ctx);
  EXPECT_EQ(capped.new_ids.size(), 4u);  // the 4th is sampled from the full cache's logits
  EXPECT_EQ(std::vector<int32_t>(free_run.new_ids.begin(), free_run.new_ids.begin() + 4), capped.new_ids);

  go.ctx = 2;
  model::Sampler s3(sp);
  EXPECT_THROW(generate(*m, s3, prompt, go), ConfigError);
}

TEST(EvalModel, SpeedHarness) {
  testing::TempDir scratch;
  const auto m = model::Model::load(model_dir(scratch));
  SpeedOptions so;
  so.repetitions = 3;
  const SpeedResult pp = bench_prefill(*m, 32, 1, so);
  EXPECT_EQ(pp.test, "pp32");
  ASSERT_EQ(pp.tps.size(), 3u);
  for (double t : pp.tps) EXPECT_GT(t, 0.0);
  EXPECT_GT(pp.rate.mean, 0.0);
  const SpeedResult pp2 = bench_prefill(*m, 16, 2, so);
  EXPECT_EQ(pp2.batch, 2);
  EXPECT_NEAR(pp2.tps[0], 32.0 / pp2.seconds[0], 1e-9 * pp2.tps[0]);
  const SpeedResult tg = bench_decode(*m, 8, so);
  EXPECT_EQ(tg.test, "tg8");
  EXPECT_NEAR(tg.tps[1], 8.0 / tg.seconds[1], 1e-9 * tg.tps[1]);
  so.repetitions = 0;
  EXPECT_THROW(bench_decode(*m, 8, so), ConfigError);
}

}  // namespace
}  // namespace slimlm::eval
