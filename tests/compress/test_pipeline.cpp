// compress::run_pipeline on the tiny-llama fixture: prune then quantize
// gives a loadable model whose Linears are half zero and quantized; the
// empty pipeline is the original (same logits); per-layer formats follow
// their layers through a layer drop; orders that cannot work fail before
// anything is written, and a step that throws midway leaves no output and
// no temporary folder. Plus the step checks and summaries.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "prune_test_util.h"
#include "slimlm/compress/nm_mask.h"
#include "slimlm/compress/pipeline.h"
#include "slimlm/core/error.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/model/dense_linear.h"
#include "slimlm/model/model.h"
#include "slimlm/model/quantized_linear.h"
#include "slimlm/quant/pack.h"

namespace slimlm::compress {
namespace {

using namespace prune_test;
using Json = nlohmann::ordered_json;

std::vector<PipelineStep> steps(const std::string& json) { return pipeline_from_json(Json::parse(json)); }

PipelineOptions calibrated(const fs::path& text) {
  PipelineOptions o;
  o.calib_text = text;
  o.calib_samples = 8;
  o.calib_seq_len = 64;
  return o;
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

Tensor logits(const model::Model& m) {
  std::vector<int32_t> tokens(48);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<int32_t>((i * 37 + 11) % 4096);
  return m.score(tokens, 2, 24);
}

TEST(Pipeline, PruneThenQuantizeGivesASparseQuantizedModel) {
  TempDir tmp;
  write_file(tmp.path() / "calib.txt", war_and_peace_split().calib);
  const fs::path in = fixture("tiny-llama"), out = tmp.path() / "out";
  const auto p = steps(R"([{"prune": {"method": "wanda", "sparsity": 0.5}},
                           {"quantize": {"method": "rtn", "format": "int4_g128"}}])");
  EXPECT_EQ(pipeline_summary(p), "wanda 50% + rtn int4_g128");
  std::vector<std::string> seen;
  PipelineOptions o = calibrated(tmp.path() / "calib.txt");
  o.on_step = [&](size_t k, size_t n, std::string_view what) { seen.push_back(fmt::format("{}/{} {}", k, n, what)); };
  const PipelineReport r = run_pipeline(in, out, p, o);

  EXPECT_EQ(seen, (std::vector<std::string>{"0/2 wanda 50%", "1/2 rtn int4_g128"}));
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_NEAR(r.steps[0].details["sparsity_linears"].get<double>(), 0.5, 0.01);
  EXPECT_EQ(r.bytes_before, 8921688u);
  // 4 layers x 589,824 Linear weights go from bf16 to 4.125 bits (a f16
  // scale per 128); embeddings and lm_head stay bf16; headers differ a little.
  const double linear = 4 * 589824.0;
  EXPECT_NEAR(static_cast<double>(r.bytes_after), r.bytes_before - linear * 2 + linear * 4.125 / 8, 16384);
  // Only the calibration text and the output: no intermediate folder left.
  EXPECT_EQ(entries(tmp.path()), (std::vector<std::string>{"calib.txt", "out"}));

  const auto m = model::Model::load(out);
  int64_t linears = 0;
  for (const auto& layer : m->weights().layers) {
    for (const model::Linear* l : {layer.q.get(), layer.k.get(), layer.v.get(), layer.o.get(), layer.gate.get(),
                                   layer.up.get(), layer.down.get()}) {
      const auto* ql = dynamic_cast<const model::QuantizedLinear*>(l);
      ASSERT_NE(ql, nullptr);
      EXPECT_EQ(ql->weight().format, quant::QuantFormat::kInt4G128);
      const Tensor deq = quant::dequantize(ql->weight());
      const int64_t n = deq.dim(0) * deq.dim(1);
      // Wanda prunes floor(cols / 2) per row; RTN keeps zeros zero.
      EXPECT_GE(count_zeros(deq.data<float>(), n), n / 2);
      EXPECT_LT(count_zeros(deq.data<float>(), n), n * 6 / 10);
      ++linears;
    }
  }
  EXPECT_EQ(linears, 4 * 7);
  // lm_head stays dense unless asked, as with the calibrated methods.
  EXPECT_EQ(dynamic_cast<const model::QuantizedLinear*>(m->weights().lm_head.get()), nullptr);
  const auto recipe = read_json(out / "recipe.json");
  EXPECT_EQ(recipe["pipeline_summary"], "wanda 50% + rtn int4_g128");
  EXPECT_EQ(recipe["pipeline_step"], 2);
  EXPECT_EQ(recipe["previous_step"]["method"], "wanda");
}

TEST(Pipeline, EmptyPipelineIsTheOriginal) {
  TempDir tmp;
  const fs::path in = fixture("tiny-llama");
  EXPECT_EQ(pipeline_summary({}), "original");
  const auto noop = steps(R"([{"prune": {"method": "none"}}, {"drop_layers": {"count": 0}},
                              {"quantize": {"method": "none", "format": "int8"}}])");
  EXPECT_EQ(pipeline_summary(noop), "original");
  for (const auto& [name, p] : {std::pair{"empty", std::vector<PipelineStep>{}}, std::pair{"noop", noop}}) {
    const fs::path out = tmp.path() / name;
    const PipelineReport r = run_pipeline(in, out, p, {});
    EXPECT_TRUE(r.steps.empty());
    EXPECT_EQ(r.bytes_after, r.bytes_before);
    EXPECT_EQ(read_json(out / "recipe.json")["summary"], "original");
    const Tensor a = logits(*model::Model::load(in)), b = logits(*model::Model::load(out));
    ASSERT_EQ(a.numel(), b.numel());
    EXPECT_EQ(std::memcmp(a.data<float>(), b.data<float>(), a.numel() * sizeof(float)), 0) << name;
  }
}

TEST(Pipeline, LayerFormatsFollowTheirLayersThroughALayerDrop) {
  TempDir tmp;
  const fs::path in = fixture("tiny-llama"), out = tmp.path() / "out";
  const auto p = steps(R"([{"drop_layers": {"layers": [1]}},
                           {"quantize": {"format": "int4_g128", "layer_formats": {"0": "int8", "1": "int8", "2": "int8"}}}])");
  EXPECT_EQ(pipeline_summary(p), "drop layer 1 + rtn int4_g128 (layers 0,1,2 int8)");
  run_pipeline(in, out, p, {});
  const auto m = model::Model::load(out);
  ASSERT_EQ(m->num_layers(), 3);
  // Input layers 0, 2, 3 became 0, 1, 2: the input's layers 0 and 2 are int8.
  const quant::QuantFormat want[] = {quant::QuantFormat::kInt8, quant::QuantFormat::kInt8, quant::QuantFormat::kInt4G128};
  for (int64_t l = 0; l < 3; ++l) {
    const auto* ql = dynamic_cast<const model::QuantizedLinear*>(m->weights().layers[static_cast<size_t>(l)].down.get());
    ASSERT_NE(ql, nullptr);
    EXPECT_EQ(ql->weight().format, want[l]) << "layer " << l;
  }
}

TEST(Pipeline, InvalidOrdersFailBeforeAnyWork) {
  TempDir tmp;
  const fs::path in = fixture("tiny-llama"), out = tmp.path() / "out";
  struct Case {
    const char* json;
    size_t step;
    const char* key;
  };
  const Case cases[] = {
      {R"([{"quantize": {}}, {"prune": {"method": "magnitude"}}])", 1, ""},
      {R"([{"quantize": {"format": "int8"}}, {"quantize": {"format": "int4_g128"}}])", 1, ""},
      {R"([{"prune": {"method": "sparsegpt", "quantize": "int4_g128"}}, {"quantize": {}}])", 1, ""},
      {R"([{"prune": {"method": "magnitude"}}, {"quantize": {"method": "gptq"}}])", 1, "method"},
      {R"([{"prune": {"method": "magnitude", "pattern": "2:4", "storage": "sparse24"}}, {"drop_layers": {"layers": [0]}}])", 1, ""},
      {R"([{"prune": {"method": "magnitude", "sparsity": 1.5}}])", 0, "sparsity"},
      {R"([{"quantize": {"fromat": "int8"}}])", 0, "fromat"},
      {R"([{"quantize": {"format": "int5"}}])", 0, "format"},
      {R"([{"prune_channels": {"ratio": 0.1}}, {"quantize": {"format": "int4_g128"}}])", 1, "format"},
      {R"([{"quantize": {"layer_formats": {"4": "int8"}}}])", 0, "layer_formats"},
      {R"([{"drop_layers": {"count": 4}}])", 0, "count"},
      {R"([{"shrink": {}}])", 0, ""},
  };
  const io::ModelConfig c = io::load_hf_config(in / "config.json");
  for (const Case& k : cases) {
    const auto p = steps(k.json);
    try {
      validate_pipeline(p, c);
      ADD_FAILURE() << "accepted " << k.json;
    } catch (const PipelineError& e) {
      EXPECT_EQ(e.step(), k.step) << k.json << ": " << e.what();
      EXPECT_EQ(e.key(), k.key) << k.json << ": " << e.what();
    }
    EXPECT_THROW(run_pipeline(in, out, p, calibrated(in / "config.json")), ConfigError) << k.json;
    EXPECT_FALSE(fs::exists(out));
    EXPECT_TRUE(fs::is_empty(tmp.path())) << k.json;
  }
  // Messages name the step, op and key, with a hint for typos.
  try {
    validate_pipeline(steps(R"([{"quantize": {"fromat": "int8"}}])"));
  } catch (const PipelineError& e) {
    EXPECT_NE(std::string(e.what()).find("pipeline step 1 (quantize): key 'fromat': unknown key for quantize (did you "
                                         "mean 'format'?)"),
              std::string::npos)
        << e.what();
  }
  // Calibrated methods need calibration text, refused before any work.
  EXPECT_THROW(run_pipeline(in, out, steps(R"([{"quantize": {"method": "gptq"}}])"), {}), ConfigError);
  EXPECT_FALSE(fs::exists(out));
}

TEST(Pipeline, AStepThatThrowsLeavesNoOutputAndNoTemporaryFolder) {
  TempDir tmp;
  write_file(tmp.path() / "short.txt", "Too short to calibrate on.\n");
  const fs::path in = fixture("tiny-llama"), out = tmp.path() / "out";
  // Magnitude pruning needs no calibration and runs; AWQ then finds the
  // calibration text too short, after the first step wrote its folder.
  const auto p = steps(R"([{"prune": {"method": "magnitude", "sparsity": 0.3}}, {"quantize": {"method": "awq"}}])");
  std::vector<size_t> started;
  PipelineOptions o = calibrated(tmp.path() / "short.txt");
  o.on_step = [&](size_t k, size_t, std::string_view) { started.push_back(k); };
  EXPECT_THROW(run_pipeline(in, out, p, o), ConfigError);
  EXPECT_EQ(started, (std::vector<size_t>{0, 1}));
  EXPECT_FALSE(fs::exists(out));
  EXPECT_EQ(entries(tmp.path()), (std::vector<std::string>{"short.txt"}));
}

TEST(Pipeline, SummariesAndJsonRoundTrip) {
  const auto p = steps(R"([{"prune": {"method": "sparsegpt", "pattern": "2:4", "quantize": "int4_g128"}}])");
  EXPECT_EQ(pipeline_summary(p), "sparsegpt 2:4 + int4_g128 (joint)");
  EXPECT_EQ(pipeline_summary(steps(R"([{"prune_heads": {"ratio": 0.5}}, {"prune_channels": {"ratio": 0.25}},
                                      {"drop_layers": {"count": 2}}, {"quantize": {"method": "smoothquant"}}])")),
            "heads -50% + channels -25% + drop 2 layers + smoothquant w8a8");
  EXPECT_EQ(pipeline_summary(steps(R"([{"prune": {"sparsity": "37.5%", "owl": true}},
                                      {"quantize": {"method": "awq", "bits": 3, "group_size": 64}}])")),
            "wanda 37.5% owl + awq int3_g64");
  // bits 8 is int8 per channel whatever the group size.
  EXPECT_EQ(pipeline_summary(steps(R"([{"quantize": {"bits": 8, "group_size": 128}}])")), "rtn int8");
  const Json j = Json::parse(R"([{"prune":{"method":"wanda","sparsity":0.5}},{"quantize":{"format":"nf4"}}])");
  EXPECT_EQ(pipeline_to_json(pipeline_from_json(j)), j);
  EXPECT_THROW(pipeline_from_json(Json::parse(R"([{"prune": {}, "quantize": {}}])")), ConfigError);
}

}  // namespace
}  // namespace slimlm::compress
