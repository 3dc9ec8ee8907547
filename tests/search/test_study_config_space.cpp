// From a study config's search section to a SearchSpace and back: every
// grid point of the default example builds its pipeline and reads back to
// itself; per-layer formats expand to one parameter per layer; steps with
// "none" or zero amounts disappear; invalid combinations are ConfigErrors;
// baselines map to candidates when the space holds them.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "slimlm/core/error.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/search/recipe_space.h"

namespace slimlm::search {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
const fs::path kSource = SLIMLM_SOURCE_DIR;

io::ModelConfig tiny_llama() { return io::load_hf_config(kSource / "models" / "tiny-llama" / "config.json"); }

// Every grid point of a space, in lexicographic order.
std::vector<Candidate> grid(const SearchSpace& s) {
  std::vector<Candidate> out;
  Candidate c(s.size(), 0.0);
  std::vector<uint64_t> k(s.size(), 0);
  while (true) {
    for (size_t i = 0; i < s.size(); ++i) c[i] = s.grid_value(i, k[i]);
    out.push_back(c);
    size_t i = s.size();
    while (i > 0 && ++k[i - 1] == s.param_grid_size(i - 1)) k[--i] = 0;
    if (i == 0) return out;
  }
}

TEST(RecipeSpace, DefaultExampleRoundTripsEveryGridPoint) {
  const StudyConfig c = load_study_config(kSource / "configs" / "default.yaml");
  const io::ModelConfig m = tiny_llama();
  const SearchSpace s = build_search_space(c, m);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s.params()[0].name, "quantize.method");
  EXPECT_EQ(s.params()[0].kind, Param::Kind::kCategorical);
  EXPECT_EQ(s.params()[1].choices, (std::vector<std::string>{"int8", "int4_g128", "int4_g64", "int3_g128", "int2_g64"}));
  EXPECT_EQ(s.params()[2].choices, (std::vector<std::string>{"0", "0.25"}));
  EXPECT_EQ(s.params()[3].kind, Param::Kind::kInt);
  EXPECT_EQ(s.grid_size(), 2u * 5u * 2u * 2u);

  std::set<std::string> summaries;
  for (const Candidate& x : grid(s)) {
    const auto p = candidate_pipeline(c, s, x, m);
    summaries.insert(compress::pipeline_summary(p));
    const auto back = pipeline_candidate(c, s, p);
    ASSERT_TRUE(back) << compress::pipeline_summary(p);
    EXPECT_EQ(s.key(*back), s.key(x)) << compress::pipeline_summary(p);
  }
  EXPECT_EQ(summaries.size(), 40u);  // distinct candidates, distinct recipes

  // gptq int4_g64, channels kept, one layer dropped.
  const Candidate x = {1, 2, 0, 1};
  const auto p = candidate_pipeline(c, s, x);
  EXPECT_EQ(compress::pipeline_to_json(p),
            Json::parse(R"([{"drop_layers": {"count": 1}}, {"quantize": {"method": "gptq", "format": "int4_g64"}}])"));
  EXPECT_EQ(compress::pipeline_summary(p), "drop 1 layer + gptq int4_g64");
  EXPECT_EQ(compress::pipeline_summary(candidate_pipeline(c, s, {0, 0, 1, 0})), "channels -25% + rtn int8");
}

TEST(RecipeSpace, PerLayerFormatsExpandToOneParameterPerLayer) {
  const StudyConfig c = load_study_config(kSource / "configs" / "search.yaml");
  const io::ModelConfig m = tiny_llama();
  const SearchSpace s = build_search_space(c, m);
  ASSERT_EQ(s.size(), 2u + static_cast<size_t>(m.num_hidden_layers));
  for (int64_t l = 0; l < m.num_hidden_layers; ++l) {
    const auto i = s.index_of("quantize.layer_formats." + std::to_string(l));
    ASSERT_TRUE(i) << l;
    EXPECT_EQ(s.params()[*i].choices, (std::vector<std::string>{"int8", "int4_g128", "int3_g128"}));
  }
  EXPECT_EQ(s.grid_size(), 2u * 3u * 81u);
  // heads -50%, awq, layers int8 / int3 / int4 / int8.
  const Candidate x = {1, 2, 0, 2, 1, 0};
  const auto p = candidate_pipeline(c, s, x, m);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].params["ratio"], 0.5);
  EXPECT_EQ(p[0].params["unit"], "group");  // from the template
  EXPECT_EQ(p[1].params["method"], "awq");
  EXPECT_EQ(p[1].params["layer_formats"], Json::parse(R"({"0": "int8", "1": "int3_g128", "2": "int4_g128", "3": "int8"})"));
  EXPECT_EQ(compress::pipeline_summary(p), "heads -50% + awq int4_g128 (layer 1 int3_g128; layers 0,3 int8)");
  EXPECT_EQ(s.key(*pipeline_candidate(c, s, p)), s.key(x));
  // Ratio 0 removes the heads step.
  EXPECT_EQ(candidate_pipeline(c, s, {0, 0, 1, 1, 1, 1}).size(), 1u);
}

const char* kSpaceHead =
    "model: ../models/tiny-llama\n"
    "calibration: {text: ../tests/data/war-and-peace-heldout.txt}\n"
    "evaluation: {text: ../tests/data/war-and-peace-heldout.txt}\n";

StudyConfig config(const std::string& search) {
  return parse_study_config(std::string(kSpaceHead) + search, kSource / "configs" / "space.yaml");
}

TEST(RecipeSpace, NoneRemovesStepsAndBadCombinationsAreConfigErrors) {
  const StudyConfig c = config(
      "search:\n"
      "  space:\n"
      "    quantize.method: [rtn, gptq]\n"
      "    prune.method: [none, magnitude]\n"
      "    prune.sparsity: {low: 0.2, high: 0.6, step: 0.2}\n");
  const io::ModelConfig m = tiny_llama();
  const SearchSpace s = build_search_space(c, m);
  EXPECT_EQ(s.params()[2].kind, Param::Kind::kFloat);
  EXPECT_EQ(s.grid_size(), 2u * 2u * 3u);
  // The derived template puts prune before quantize whatever the space's order.
  EXPECT_EQ(compress::pipeline_summary(candidate_pipeline(c, s, {0, 1, 0.4})), "magnitude 40% + rtn int4_g128");
  EXPECT_EQ(compress::pipeline_to_json(candidate_pipeline(c, s, {0, 1, 0.6}))[0]["prune"]["sparsity"], 0.6);
  EXPECT_EQ(compress::pipeline_summary(candidate_pipeline(c, s, {1, 0, 0.4})), "gptq int4_g128");
  // gptq would fill the pruned weights back in.
  try {
    candidate_pipeline(c, s, {1, 1, 0.4});
    FAIL() << "accepted gptq after pruning";
  } catch (const compress::PipelineError& e) {
    EXPECT_EQ(e.key(), "method");
  }
  // Every candidate that says "none" for prune maps to one recipe; the
  // inverse picks the first sparsity.
  const auto back = pipeline_candidate(c, s, candidate_pipeline(c, s, {1, 0, 0.6}));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, (Candidate{1, 0, 0.2}));
}

TEST(RecipeSpace, ShapeErrorsNeedTheModel) {
  const StudyConfig c = config(
      "search:\n"
      "  space:\n"
      "    prune_channels.ratio: [0, 0.1, 0.25]\n"
      "    quantize.format: [int8, int4_g128]\n");
  const io::ModelConfig m = tiny_llama();
  const SearchSpace s = build_search_space(c, m);
  // 512 -> 384 channels: int4_g128 fits; 512 -> 461: no format fits the down
  // projection's rows (not a multiple of 32), which only the model tells.
  EXPECT_NO_THROW(candidate_pipeline(c, s, {2, 1}, m));
  EXPECT_NO_THROW(candidate_pipeline(c, s, {1, 0}));
  for (double f : {0.0, 1.0}) {
    try {
      candidate_pipeline(c, s, {1, f}, m);
      ADD_FAILURE() << "accepted 461 channels";
    } catch (const compress::PipelineError& e) {
      EXPECT_EQ(e.op(), "quantize");
      EXPECT_EQ(e.key(), "format");
      EXPECT_NE(std::string(e.what()).find("461"), std::string::npos) << e.what();
    }
  }
}

TEST(RecipeSpace, BaselinesMapToCandidatesWhenTheSpaceHoldsThem) {
  const StudyConfig c = load_study_config(kSource / "configs" / "default.yaml");
  const SearchSpace s = build_search_space(c, tiny_llama());
  const auto rtn8 = pipeline_candidate(c, s, c.baselines.at(0).pipeline);
  ASSERT_TRUE(rtn8);
  EXPECT_EQ(*rtn8, (Candidate{0, 0, 0, 0}));
  const auto gptq4 = pipeline_candidate(c, s, c.baselines.at(1).pipeline);
  ASSERT_TRUE(gptq4);
  EXPECT_EQ(*gptq4, (Candidate{1, 1, 0, 0}));
  // nf4 is not among the space's formats; awq not among its methods.
  EXPECT_FALSE(pipeline_candidate(c, s, compress::pipeline_from_json(Json::parse(R"([{"quantize": {"format": "nf4"}}])"))));
  EXPECT_FALSE(pipeline_candidate(c, s, compress::pipeline_from_json(Json::parse(R"([{"quantize": {"method": "awq", "format": "int8"}}])"))));
  // A config without a search section has no space.
  const StudyConfig b = load_study_config(kSource / "configs" / "baseline.yaml");
  EXPECT_THROW(build_search_space(b, tiny_llama()), ConfigError);
}

}  // namespace
}  // namespace slimlm::search
