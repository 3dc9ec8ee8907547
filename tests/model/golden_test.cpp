// The forward pass against Hugging Face transformers' own outputs for the
// fixture models (tests/golden/README.md): logits of every prompt, hidden
// states of every layer, and greedy generations through the KV cache.
//
// Error measure: max |ours - golden| / max |golden| over a whole logits (or
// hidden-state) matrix, required <= 1e-4 (the f32 bound). The value
// of each comparison is printed and recorded as a test property.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <memory>

#include "model_test_util.h"
#include "slimlm/io/safetensors_reader.h"
#include "slimlm/model/model.h"

namespace slimlm::model {
namespace {

constexpr double kTol = 1e-4;

std::filesystem::path source_dir() {
  if (const char* env = std::getenv("SLIMLM_SOURCE_DIR"); env && *env) return env;
  return SLIMLM_SOURCE_DIR;
}

const Model& fixture_model(const std::string& name) {
  static std::map<std::string, std::unique_ptr<Model>> models;
  auto& m = models[name];
  if (!m) m = Model::load(source_dir() / "models" / name);
  return *m;
}

std::vector<int32_t> ids_of(const Tensor& t) {
  return std::vector<int32_t>(t.data<int32_t>(), t.data<int32_t>() + t.numel());
}

void report(const std::string& what, double err) {
  ::testing::Test::RecordProperty(what, ::testing::PrintToString(err));
  std::cout << "[ golden ] " << ::testing::UnitTest::GetInstance()->current_test_info()->name()
            << " " << what << " max rel err " << err << "\n";
}

int32_t argmax(const float* row, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i) {
    if (row[i] > row[best]) best = i;
  }
  return static_cast<int32_t>(best);
}

class GoldenTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = source_dir() / "tests" / "golden" / GetParam();
    ASSERT_TRUE(std::filesystem::exists(dir_ / "logits.safetensors")) << dir_;
  }
  const Model& model() const { return fixture_model(GetParam()); }
  std::filesystem::path dir_;
};

TEST_P(GoldenTest, LogitsOfEveryPrompt) {
  const auto file = io::SafetensorsFile::open(dir_ / "logits.safetensors");
  const int count = std::stoi(file->metadata().at("count"));
  ASSERT_GT(count, 0);
  for (int i = 0; i < count; ++i) {
    const auto ids = ids_of(file->tensor("ids_" + std::to_string(i)));
    const Tensor want = file->tensor("logits_" + std::to_string(i));
    const auto T = static_cast<int64_t>(ids.size());
    ASSERT_EQ(want.shape(), (Shape{T, model().vocab_size()}));
    const Tensor got = model().score(ids, 1, T);
    const double err = slimlm::testing::max_rel_error({got.data<float>(), got.numel()},
                                                      {want.data<float>(), want.numel()});
    report("logits_" + std::to_string(i), err);
    EXPECT_LE(err, kTol) << "prompt " << i;
  }
}

TEST_P(GoldenTest, PromptsInOnePaddedBatch) {
  const auto file = io::SafetensorsFile::open(dir_ / "logits.safetensors");
  const int count = std::stoi(file->metadata().at("count"));
  std::vector<std::vector<int32_t>> rows;
  int64_t T = 0;
  for (int i = 0; i < count; ++i) {
    rows.push_back(ids_of(file->tensor("ids_" + std::to_string(i))));
    T = std::max<int64_t>(T, static_cast<int64_t>(rows.back().size()));
  }
  std::vector<int32_t> tokens;
  std::vector<int64_t> lengths;
  for (const auto& r : rows) {
    tokens.insert(tokens.end(), r.begin(), r.end());
    tokens.resize(tokens.size() + (T - r.size()), 0);
    lengths.push_back(static_cast<int64_t>(r.size()));
  }
  const int64_t V = model().vocab_size();
  const Tensor got = model().score(tokens, count, T, lengths);
  for (int i = 0; i < count; ++i) {
    const Tensor want = file->tensor("logits_" + std::to_string(i));
    const double err = slimlm::testing::max_rel_error(
        {got.data<float>() + i * T * V, want.numel()}, {want.data<float>(), want.numel()});
    EXPECT_LE(err, kTol) << "row " << i;
  }
}

TEST_P(GoldenTest, HiddenStatesOfEveryLayer) {
  const auto file = io::SafetensorsFile::open(dir_ / "hidden.safetensors");
  ASSERT_EQ(file->metadata().at("kL_is_after_final_norm"), "True")
      << "transformers changed what hidden_states[L] is; Model::score documents after-norm";
  const auto ids = ids_of(file->tensor("ids"));
  const auto T = static_cast<int64_t>(ids.size());
  std::vector<Tensor> hidden;
  model().score(ids, 1, T, {}, &hidden);
  const int64_t L = model().num_layers();
  ASSERT_EQ(static_cast<int64_t>(hidden.size()), L + 1);
  for (int64_t k = 0; k <= L; ++k) {
    const Tensor want = file->tensor("hidden_" + std::to_string(k));
    ASSERT_EQ(hidden[k].numel(), want.numel());
    const double err = slimlm::testing::max_rel_error({hidden[k].data<float>(), hidden[k].numel()},
                                                      {want.data<float>(), want.numel()});
    report("hidden_" + std::to_string(k), err);
    EXPECT_LE(err, kTol) << "hidden state " << k;
  }
}

TEST_P(GoldenTest, DecodeOneTokenAtATimeGivesTheSameLogits) {
  const auto file = io::SafetensorsFile::open(dir_ / "logits.safetensors");
  const auto ids = ids_of(file->tensor("ids_0"));
  const Tensor want = file->tensor("logits_0");
  const int64_t V = model().vocab_size();
  auto cache = model().new_cache(static_cast<int64_t>(ids.size()));
  double worst = 0;
  for (size_t t = 0; t < ids.size(); ++t) {
    const Tensor l = model().decode(*cache, std::span(ids).subspan(t, 1));
    worst = std::max(worst, slimlm::testing::max_rel_error(
                                {l.data<float>(), l.numel()},
                                {want.data<float>() + t * V, static_cast<size_t>(V)}));
  }
  report("decode_logits_0", worst);
  EXPECT_LE(worst, kTol);
}

TEST_P(GoldenTest, GreedyGenerationsThroughTheKvCache) {
  std::ifstream in(dir_ / "generate.json");
  const auto g = nlohmann::json::parse(in);
  const int64_t max_new = g.at("max_new_tokens");
  const int32_t eos = g.at("eos_token_id");
  const int64_t V = model().vocab_size();
  ASSERT_FALSE(g.at("cases").empty());
  for (const auto& c : g.at("cases")) {
    const auto prompt = c.at("prompt_ids").get<std::vector<int32_t>>();
    const auto want = c.at("new_ids").get<std::vector<int32_t>>();
    auto cache = model().new_cache(static_cast<int64_t>(prompt.size()) + max_new);
    Tensor logits = model().decode(*cache, prompt);
    std::vector<int32_t> got;
    while (static_cast<int64_t>(got.size()) < max_new) {
      const int32_t next = argmax(logits.data<float>(), V);
      got.push_back(next);
      if (next == eos) break;
      logits = model().decode(*cache, std::span(&next, 1));
    }
    EXPECT_EQ(got, want) << "prompt: " << c.at("prompt").get<std::string>();
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, GoldenTest,
                         ::testing::Values("tiny-llama", "tiny-qwen2", "tiny-llama-spm"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

}  // namespace
}  // namespace slimlm::model
