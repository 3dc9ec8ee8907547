// Structured-pruned fixtures against Hugging Face transformers: the goldens
// in tests/golden/pruned/ (tools/check_pruned_hf.py) hold transformers'
// logits of two smaller models slimlm wrote. The test prunes the fixtures
// again the same way, checks that it wrote the very weights the goldens were
// made from (xxh64 of model.safetensors), and compares its logits.
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "prune_test_util.h"
#include "slimlm/compress/prune_structured.h"
#include "slimlm/io/safetensors_reader.h"
#include "slimlm/model/model.h"

namespace slimlm::compress {
namespace {

using namespace prune_test;

std::string xxh64_of(const fs::path& p) {
  const std::string bytes = read_file(p);
  return fmt::format("{:016x}", XXH64(bytes.data(), bytes.size(), 0));
}

struct Step {
  StructuredKind kind;
  double ratio;
  HeadUnit unit;
  std::vector<int64_t> drop;
};

struct Case {
  const char* name;
  const char* fixture;
  std::vector<Step> steps;
};

// The cases of tests/golden/pruned/README.md.
const Case kCases[] = {
    {"tiny-llama-heads-channels", "tiny-llama",
     {{StructuredKind::kHeads, 0.5, HeadUnit::kGroup, {}}, {StructuredKind::kChannels, 0.25, HeadUnit::kGroup, {}}}},
    {"tiny-qwen2-query-layers", "tiny-qwen2",
     {{StructuredKind::kHeads, 0.5, HeadUnit::kQuery, {}}, {StructuredKind::kLayers, 0.0, HeadUnit::kGroup, {1}}}},
};

class PrunedGolden : public ::testing::TestWithParam<Case> {};

TEST_P(PrunedGolden, LogitsMatchTransformers) {
  const Case& c = GetParam();
  const auto golden = io::SafetensorsFile::open(kSource / "tests" / "golden" / "pruned" / c.name / "logits.safetensors");
  TempDir tmp;
  fs::path dir = fixture(c.fixture);
  for (size_t i = 0; i < c.steps.size(); ++i) {
    StructuredOptions o;
    o.kind = c.steps[i].kind;
    o.ratio = c.steps[i].ratio;
    o.head_unit = c.steps[i].unit;
    o.drop_layers = c.steps[i].drop;
    const fs::path out = tmp.path() / ("step" + std::to_string(i));
    prune_structured(dir, out, o);
    dir = out;
  }
  ASSERT_EQ(xxh64_of(dir / "model.safetensors"), golden->metadata().at("model_xxh64"))
      << "slimlm no longer writes the weights the golden was made from; if that is intended, regenerate "
         "tests/golden/pruned with tools/check_pruned_hf.py (tests/golden/pruned/README.md)";
  const auto m = model::Model::load(dir);
  EXPECT_EQ(std::to_string(m->config().num_attention_heads), golden->metadata().at("num_attention_heads"));
  EXPECT_EQ(std::to_string(m->config().num_key_value_heads), golden->metadata().at("num_key_value_heads"));
  EXPECT_EQ(std::to_string(m->config().intermediate_size), golden->metadata().at("intermediate_size"));
  EXPECT_EQ(std::to_string(m->num_layers()), golden->metadata().at("num_hidden_layers"));
  EXPECT_EQ(std::to_string(m->parameter_count()), golden->metadata().at("parameters"));
  const int count = std::stoi(golden->metadata().at("count"));
  ASSERT_GT(count, 0);
  for (int i = 0; i < count; ++i) {
    const Tensor ids = golden->tensor("ids_" + std::to_string(i)).clone();
    const Tensor want = golden->tensor("logits_" + std::to_string(i));
    const int64_t T = static_cast<int64_t>(ids.numel());
    const Tensor got = m->score(std::span<const int32_t>(ids.data<int32_t>(), static_cast<size_t>(T)), 1, T);
    ASSERT_EQ(got.numel(), want.numel());
    double maxd = 0, scale = 0;
    int64_t agree = 0;
    const int64_t V = m->vocab_size();
    for (int64_t t = 0; t < T; ++t) {
      const float* g = got.data<float>() + t * V;
      const float* w = want.data<float>() + t * V;
      int64_t ag = 0, aw = 0;
      for (int64_t v = 0; v < V; ++v) {
        maxd = std::max(maxd, double(std::fabs(g[v] - w[v])));
        scale = std::max(scale, double(std::fabs(w[v])));
        if (g[v] > g[ag]) ag = v;
        if (w[v] > w[aw]) aw = v;
      }
      agree += ag == aw;
    }
    EXPECT_LT(maxd, 1e-4 * scale) << c.name << " prompt " << i;
    EXPECT_EQ(agree, T) << c.name << " prompt " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, PrunedGolden, ::testing::ValuesIn(kCases), [](const auto& info) {
  std::string s = info.param.name;
  for (char& ch : s) {
    if (ch == '-') ch = '_';
  }
  return s;
});

}  // namespace
}  // namespace slimlm::compress
