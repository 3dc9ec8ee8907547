// The proxy: Spearman's rho, the survival ranking, sensitivity variant names,
// the additive quality model on a hand-made sensitivity table, and the byte
// prediction against checkpoints the pipeline really writes.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "slimlm/compress/pipeline.h"
#include "slimlm/core/error.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/search/proxy.h"
#include "slimlm/search/sensitivity.h"
#include "test_study_runner_util.h"

namespace slimlm::search {
namespace {

using Json = nlohmann::ordered_json;
using test::fixture_model;
using test::fixture_text;

TEST(Spearman, HandComputed) {
  const std::vector<double> x = {1, 2, 3, 4, 5};
  EXPECT_DOUBLE_EQ(spearman_rho(x, std::vector<double>{10, 20, 30, 40, 50}), 1.0);
  EXPECT_DOUBLE_EQ(spearman_rho(x, std::vector<double>{5, 4, 3, 2, 1}), -1.0);
  // Monotone, not linear: still 1.
  EXPECT_DOUBLE_EQ(spearman_rho(x, std::vector<double>{1, 8, 27, 64, 1000}), 1.0);
  // One swap of neighbours: 1 - 6*2 / (5*24) = 0.9.
  EXPECT_NEAR(spearman_rho(x, std::vector<double>{1, 3, 2, 4, 5}), 0.9, 1e-12);
  // Ties take their mean rank: ranks (1, 2.5, 2.5, 4) vs (1, 2, 3, 4): r = 4.5 / sqrt(4.5 * 5).
  EXPECT_NEAR(spearman_rho(std::vector<double>{1, 2, 2, 3}, std::vector<double>{1, 2, 3, 4}), 4.5 / std::sqrt(22.5),
              1e-12);
  EXPECT_TRUE(std::isnan(spearman_rho(std::vector<double>{1}, std::vector<double>{2})));
  EXPECT_TRUE(std::isnan(spearman_rho(std::vector<double>{1, 1, 1}, std::vector<double>{1, 2, 3})));
}

TEST(RankByPrediction, FrontsThenCrowdingThenOrder) {
  const std::vector<Point> pts = {{1, 5}, {2, 2}, {5, 1}, {3, 3}, {4, 4}, {1.5, 1.5}};
  // Front 1: 0, 2, 5 (5 dominates 1, 3 and 4); its boundary points 0 and 2
  // (infinite crowding) before 5. Then 1, then 3, then 4.
  EXPECT_EQ(rank_by_prediction(pts, {}), (std::vector<size_t>{0, 2, 5, 1, 3, 4}));
  // An infeasible prediction ranks behind every feasible one.
  const std::vector<double> v = {0, 0, 0.5, 0, 0, 0};
  EXPECT_EQ(rank_by_prediction(pts, v), (std::vector<size_t>{0, 5, 1, 3, 4, 2}));
}

TEST(SensitivityVariant, Parses) {
  auto v = parse_sensitivity_variant("int4_g128");
  EXPECT_EQ(v.kind, SensitivityVariant::Kind::kQuantize);
  EXPECT_EQ(v.format, quant::QuantFormat::kInt4G128);
  EXPECT_EQ(compress::pipeline_summary(v.pipeline()), "rtn int4_g128");
  v = parse_sensitivity_variant("wanda 50%");
  EXPECT_EQ(v.kind, SensitivityVariant::Kind::kPrune);
  EXPECT_EQ(v.method, "wanda");
  EXPECT_DOUBLE_EQ(v.sparsity, 0.5);
  EXPECT_EQ(v.pattern, "");
  v = parse_sensitivity_variant("magnitude 0.3");
  EXPECT_DOUBLE_EQ(v.sparsity, 0.3);
  EXPECT_EQ(compress::pipeline_summary(v.pipeline()), "magnitude 30%");
  v = parse_sensitivity_variant("sparsegpt 2:4");
  EXPECT_EQ(v.pattern, "2:4");
  EXPECT_DOUBLE_EQ(v.sparsity, 0.5);
  EXPECT_EQ(parse_sensitivity_variant("drop").kind, SensitivityVariant::Kind::kDrop);
  EXPECT_TRUE(parse_sensitivity_variant("drop").pipeline().empty());
  EXPECT_THROW(parse_sensitivity_variant("int5"), ConfigError);
  EXPECT_THROW(parse_sensitivity_variant("wanda 150%"), ConfigError);
  EXPECT_THROW(parse_sensitivity_variant("prune 50%"), ConfigError);
}

TEST(SensitivityTable, RecordsRoundTrip) {
  SensitivityTable t;
  t.layers = 2;
  t.variants = {"int8", "drop"};
  t.values = {{0.1, 0.2}, {0.3, 0.4}};
  const auto rows = t.to_records(7);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[3].study_id, 7);
  const std::vector<std::string> names = {"drop", "int8"};
  const auto back = SensitivityTable::from_records(rows, names, 2);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->values[0], (std::vector<double>{0.3, 0.4}));
  EXPECT_EQ(back->values[1], (std::vector<double>{0.1, 0.2}));
  // A missing cell (an interrupted measurement) is no table.
  EXPECT_FALSE(SensitivityTable::from_records(std::span(rows).subspan(0, 3), names, 2));
  const std::vector<std::string> more = {"int8", "int4_g128"};
  EXPECT_FALSE(SensitivityTable::from_records(rows, more, 2));
}

std::vector<compress::PipelineStep> quantize(const std::string& format, Json extra = Json::object()) {
  Json p = {{"method", "rtn"}, {"format", format}};
  p.update(extra);
  return {{"quantize", p}};
}

class ProxyModel : public ::testing::Test {
 protected:
  // Layers 0..3 of tiny-llama; hand-made sensitivities.
  Proxy make(SensitivityTable t) {
    return Proxy(std::move(t), io::load_hf_config(fixture_model() / "config.json"), read_checkpoint_tensors(fixture_model()),
                 {{"perplexity/ppl", 40.0}, {"speed/tg32", 100.0}, {"model/parameters", 4e6}, {"mc/acc", 0.5}});
  }
  SensitivityTable table() {
    SensitivityTable t;
    t.layers = 4;
    t.variants = {"int8", "int2_g64", "magnitude 50%", "drop"};
    t.values = {{0.001, 0.002, 0.003, 0.004}, {0.5, 0.1, 0.2, 0.3}, {0.08, 0.04, 0.02, 0.01}, {2, 1, 1.5, 3}};
    return t;
  }
};

TEST_F(ProxyModel, AdditiveOverLayers) {
  const Proxy p = make(table());
  EXPECT_NEAR(p.predict({}).kld, 0.0, 0);
  EXPECT_NEAR(p.predict(quantize("int8")).kld, 0.010, 1e-12);
  EXPECT_NEAR(p.predict(quantize("int2_g64")).kld, 1.1, 1e-12);
  // Mixed precision: layer 0 at 2 bits, the rest at 8.
  const auto mixed = p.predict(quantize("int8", {{"layer_formats", {{"0", "int2_g64"}}}}));
  EXPECT_NEAR(mixed.kld, 0.5 + 0.002 + 0.003 + 0.004, 1e-12);
  EXPECT_NEAR(mixed.layer_kld[0], 0.5, 1e-12);
  // A dropped layer costs its drop sensitivity and nothing else there.
  const std::vector<compress::PipelineStep> drop_q = {{"drop_layers", {{"layers", {1}}}}, quantize("int8")[0]};
  EXPECT_NEAR(p.predict(drop_q).kld, 0.001 + 1 + 0.003 + 0.004, 1e-12);
  EXPECT_EQ(p.predict(drop_q).layers_kept, 3);
  // Pruning adds to quantization in each layer; 25 % is (25/50)^2 of 50 %.
  const std::vector<compress::PipelineStep> pq = {{"prune", {{"method", "magnitude"}, {"sparsity", 0.25}}},
                                                  quantize("int8")[0]};
  EXPECT_NEAR(p.predict(pq).kld, 0.010 + 0.25 * (0.08 + 0.04 + 0.02 + 0.01), 1e-12);
}

TEST_F(ProxyModel, UnmeasuredFormatsFromTheNearestOnes) {
  const Proxy p = make(table());
  // int4_g128 (4.125 bits) lies between int2_g64 (2.25) and int8 (8):
  // log-linear in bits, per layer.
  const double b = quant::nominal_bits_per_weight(quant::QuantFormat::kInt4G128);
  const double b2 = quant::nominal_bits_per_weight(quant::QuantFormat::kInt2G64);
  const double b8 = quant::nominal_bits_per_weight(quant::QuantFormat::kInt8);
  const double t = (b - b2) / (b8 - b2);
  const double l0 = std::exp(std::log(0.5) + t * (std::log(0.001) - std::log(0.5)));
  const auto pred = p.predict(quantize("int4_g128"));
  EXPECT_NEAR(pred.layer_kld[0], l0, 1e-12);
  EXPECT_LT(pred.kld, p.predict(quantize("int2_g64")).kld);
  EXPECT_GT(pred.kld, p.predict(quantize("int8")).kld);
  // Only int8 measured: 4^(8 - b) times its value.
  SensitivityTable only8;
  only8.layers = 4;
  only8.variants = {"int8"};
  only8.values = {{0.001, 0.002, 0.003, 0.004}};
  EXPECT_NEAR(make(only8).predict(quantize("int4_g128")).layer_kld[2], 0.003 * std::pow(4.0, b8 - b), 1e-12);
}

TEST_F(ProxyModel, PredictedMetrics) {
  const Proxy p = make(table());
  const auto pred = p.predict(quantize("int2_g64"));
  const MetricValues m = p.predicted_metrics(pred);
  EXPECT_NEAR(m.at("kld/mean"), 1.1, 1e-12);
  EXPECT_NEAR(m.at("perplexity/ppl"), 40.0 * std::exp(1.1), 1e-9);
  EXPECT_NEAR(m.at("kld/ppl_ratio"), std::exp(1.1), 1e-12);
  EXPECT_NEAR(m.at("mc/acc"), 0.5 * std::exp(-1.1), 1e-12);
  const double r = static_cast<double>(pred.file_bytes) / static_cast<double>(p.original_bytes());
  EXPECT_LT(r, 0.6);
  EXPECT_NEAR(m.at("speed/tg32"), 100.0 / r, 1e-9);
  EXPECT_EQ(m.at("model/file_bytes"), static_cast<double>(pred.file_bytes));
  const std::vector<Objective> obj = {{"kld/mean", Direction::kMinimize}, {"speed/tg32", Direction::kMaximize}};
  EXPECT_EQ(p.objectives(pred, obj), (std::vector<double>{m.at("kld/mean"), m.at("speed/tg32")}));
}

uint64_t safetensors_bytes(const std::filesystem::path& dir) {
  uint64_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().extension() == ".safetensors") n += e.file_size();
  }
  return n;
}

// The predicted size of what run_pipeline writes, within a few hundred
// bytes of header estimate.
TEST_F(ProxyModel, BytesMatchTheWrittenCheckpoints) {
  const Proxy p = make(table());
  const double original = static_cast<double>(safetensors_bytes(fixture_model()));
  EXPECT_NEAR(static_cast<double>(p.original_bytes()), original, 1e-3 * original);

  slimlm::testing::TempDir tmp;
  compress::PipelineOptions opts;
  const std::vector<std::vector<compress::PipelineStep>> pipelines = {
      quantize("int4_g128"),
      quantize("int8_asym"),
      quantize("int8", {{"layer_formats", {{"1", "int2_g64"}, {"2", "dense"}}}}),
      {{"drop_layers", {{"layers", {0, 2}}}}, quantize("int3_g128")[0]},
      {{"prune", {{"method", "magnitude"}, {"pattern", "2:4"}, {"storage", "sparse24"}}}},
      {{"prune_channels", {{"ratio", 0.25}}}},
  };
  for (size_t i = 0; i < pipelines.size(); ++i) {
    const auto out = tmp / ("m" + std::to_string(i));
    compress::run_pipeline(fixture_model(), out, pipelines[i], opts);
    const double actual = static_cast<double>(safetensors_bytes(out));
    const double predicted = static_cast<double>(p.predict(pipelines[i]).file_bytes);
    EXPECT_NEAR(predicted, actual, 2e-3 * actual) << compress::pipeline_summary(pipelines[i]);
  }
}

}  // namespace
}  // namespace slimlm::search
