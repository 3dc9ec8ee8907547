// Study configs: the bundled examples load with the values they say, paths
// resolve against the config's folder with ${VAR} expanded, sizes parse,
// metric short names resolve to the evaluation's rows.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "slimlm/core/error.h"
#include "slimlm/search/study_config.h"

namespace slimlm::search {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = SLIMLM_SOURCE_DIR;
const fs::path kOrigin = kSource / "configs" / "test.yaml";  // relative paths as in the bundled examples

std::vector<std::string> ops(const std::vector<compress::PipelineStep>& steps) {
  std::vector<std::string> out;
  for (const auto& s : steps) out.push_back(s.op);
  return out;
}

TEST(StudyConfig, DefaultExampleLoads) {
  const StudyConfig c = load_study_config(kSource / "configs" / "default.yaml");
  EXPECT_EQ(c.name, "tiny-llama-default");
  EXPECT_EQ(c.model, (kSource / "models" / "tiny-llama").lexically_normal());
  EXPECT_EQ(c.output, (kSource / "slimlm-out" / "tiny-llama-default").lexically_normal());
  EXPECT_EQ(c.calibration.text, (kSource / "tests" / "data" / "war-and-peace-heldout.txt").lexically_normal());
  EXPECT_EQ(c.calibration.samples, 32);
  EXPECT_EQ(c.evaluation.ctx, 256);
  EXPECT_EQ(c.evaluation.windows, 16);
  EXPECT_EQ(c.evaluation.speed.decode, 32);
  ASSERT_TRUE(c.evaluation.carbon.grams_per_kwh);
  EXPECT_EQ(*c.evaluation.carbon.grams_per_kwh, 400);
  ASSERT_EQ(c.objectives.size(), 2u);
  EXPECT_EQ(c.objectives[0].metric, "kld/mean");
  EXPECT_EQ(c.objectives[1].metric, "model/file_bytes");  // from model/bytes
  EXPECT_EQ(c.objectives[1].direction, Direction::kMinimize);
  ASSERT_TRUE(c.constraints.max_ppl_ratio);
  EXPECT_EQ(*c.constraints.max_ppl_ratio, 2.0);
  EXPECT_TRUE(c.pipeline.empty());
  ASSERT_EQ(c.baselines.size(), 2u);
  EXPECT_EQ(c.baselines[1].name, "gptq-int4");
  EXPECT_EQ(compress::pipeline_summary(c.baselines[1].pipeline), "gptq int4_g128");
  ASSERT_TRUE(c.search);
  EXPECT_EQ(c.search->sampler, "nsga2");
  EXPECT_EQ(c.search->trials, 20);
  EXPECT_EQ(c.search->population, 8);
  ASSERT_EQ(c.search->space.size(), 4u);
  EXPECT_EQ(c.search->space[2].key, "prune_channels.ratio");
  EXPECT_EQ(c.search->space[3].kind, SpaceEntry::Kind::kRange);
  EXPECT_TRUE(c.search->space[3].integer);
  // Derived template: the space's ops in the canonical order.
  EXPECT_EQ(ops(c.search->template_steps), (std::vector<std::string>{"prune_channels", "drop_layers", "quantize"}));
  EXPECT_TRUE(c.search->proxy.enabled);
  EXPECT_EQ(c.search->proxy.sensitivity,
            (std::vector<std::string>{"int8", "int4_g128", "int4_g64", "int3_g128", "int2_g64"}));
  EXPECT_EQ(c.search->proxy.candidates, 32);
  EXPECT_EQ(c.search->keep_models, KeepModels::kFrontier);
}

TEST(StudyConfig, BaselineAndSearchExamplesLoad) {
  const StudyConfig b = load_study_config(kSource / "configs" / "baseline.yaml");
  EXPECT_FALSE(b.search);
  EXPECT_EQ(compress::pipeline_summary(b.pipeline), "wanda 30% + rtn int8");
  EXPECT_EQ(b.baselines.size(), 11u);
  EXPECT_EQ(b.objectives.at(2).metric, "speed/tg32");  // from speed/decode_tps
  EXPECT_EQ(b.objectives.at(2).direction, Direction::kMaximize);
  EXPECT_EQ(compress::pipeline_summary(b.baselines.at(6).pipeline), "rtn int4_g128 (layers 0,3 int8)");

  const StudyConfig s = load_study_config(kSource / "configs" / "search.yaml");
  ASSERT_TRUE(s.search);
  EXPECT_EQ(s.search->sampler, "tpe");
  EXPECT_TRUE(s.search->proxy.enabled);
  EXPECT_EQ(s.search->proxy.sensitivity, (std::vector<std::string>{"int8", "int4_g128", "int3_g128"}));
  EXPECT_EQ(s.search->space.at(2).kind, SpaceEntry::Kind::kPerLayer);
  EXPECT_EQ(ops(s.search->template_steps), (std::vector<std::string>{"prune_heads", "quantize"}));
  EXPECT_EQ(s.evaluation.carbon.region, "FR");
  EXPECT_EQ(s.constraints.max_bytes, 8000000u);
  EXPECT_EQ(s.constraints.max_peak_memory, 1073741824u);
  EXPECT_EQ(s.constraints.max_latency_ms, 50.0);
  ASSERT_EQ(s.constraints.min_metric.size(), 1u);
  EXPECT_EQ(s.constraints.min_metric[0].metric, "kld/same_top1");
  EXPECT_EQ(s.constraints.min_metric[0].value, 0.6);
}

TEST(StudyConfig, DefaultsAndPaths) {
  ::setenv("SLIMLM_TEST_MODELS", (kSource / "models").c_str(), 1);
  const StudyConfig c = parse_study_config("model: ${SLIMLM_TEST_MODELS}/tiny-llama\n"
                                           "evaluation: {text: ../tests/data/war-and-peace-heldout.txt}\n",
                                           kOrigin);
  EXPECT_EQ(c.name, "test");  // the file's stem
  EXPECT_EQ(c.model, (kSource / "models" / "tiny-llama").lexically_normal());
  EXPECT_EQ(c.output, (kSource / "configs" / "slimlm-out" / "test").lexically_normal());
  EXPECT_TRUE(c.calibration.text.empty());
  EXPECT_EQ(c.calibration.seq_len, 128);
  EXPECT_TRUE(c.evaluation.speed.enabled);
  EXPECT_EQ(c.evaluation.speed.prefill, 128);
  // Default objectives: KL divergence and bytes.
  ASSERT_EQ(c.objectives.size(), 2u);
  EXPECT_EQ(c.objectives[1].metric, "model/file_bytes");
  EXPECT_TRUE(c.constraints.empty());
  EXPECT_FALSE(c.search);
  const compress::PipelineOptions o = pipeline_options(c);
  EXPECT_EQ(o.calib_samples, 32);
}

TEST(StudyConfig, Sizes) {
  EXPECT_EQ(parse_size("30MB"), 30000000u);
  EXPECT_EQ(parse_size("1.5 GiB"), 1610612736u);
  EXPECT_EQ(parse_size("512"), 512u);
  EXPECT_EQ(parse_size("2kib"), 2048u);
  EXPECT_EQ(parse_size("10 B"), 10u);
  EXPECT_FALSE(parse_size("30 MBs"));
  EXPECT_FALSE(parse_size("-1MB"));
  EXPECT_FALSE(parse_size("MB"));
  EXPECT_FALSE(parse_size(""));
}

TEST(StudyConfig, MetricsFollowTheEvaluation) {
  const StudyConfig c = parse_study_config("model: ../models/tiny-llama\n"
                                           "evaluation:\n"
                                           "  text: ../tests/data/war-and-peace-heldout.txt\n"
                                           "  speed: {prefill: 64, decode: 16}\n"
                                           "objectives:\n"
                                           "  - {metric: speed/prefill_tps, direction: max}\n"
                                           "  - {metric: perplexity/ppl}\n",
                                           kOrigin);
  EXPECT_EQ(c.objectives[0].metric, "speed/pp64");
  EXPECT_EQ(c.objectives[0].direction, Direction::kMaximize);
  EXPECT_EQ(c.objectives[1].direction, Direction::kMinimize);
  std::vector<std::string> names;
  for (const auto& m : study_metrics(c)) names.push_back(m.name);
  for (const char* n : {"model/file_bytes", "perplexity/ppl", "kld/mean", "kld/ppl_ratio", "speed/pp64", "speed/tg16",
                        "memory/peak_rss", "energy/co2_grams"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
  }
  // Without evaluation text there is no perplexity or KL divergence.
  const StudyConfig bare = parse_study_config("model: ../models/tiny-llama\nevaluation: {speed: false}\n"
                                              "objectives: [{metric: model/bytes}]\n",
                                              kOrigin);
  for (const auto& m : study_metrics(bare)) {
    EXPECT_FALSE(m.name.starts_with("kld/") || m.name.starts_with("perplexity/") || m.name.starts_with("speed/"))
        << m.name;
  }
}

}  // namespace
}  // namespace slimlm::search
