// The calibration pipeline with passes that record what they see: stage
// order and shapes, inputs equal to what Model::score computes for a model
// with the pass's changes applied, zero error for a pass that changes
// nothing, and the two ways of feeding the next layer.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <vector>

#include "model_test_util.h"
#include "slimlm/calib/pipeline.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/kernels/cpu/rms_norm.h"
#include "slimlm/model/dense_linear.h"
#include "slimlm/model/model.h"

namespace slimlm::calib {
namespace {

namespace fs = std::filesystem;

const fs::path kDir = fs::path(SLIMLM_SOURCE_DIR) / "models" / "tiny-llama";

CalibrationSet random_set(const io::ModelConfig& c, int64_t samples, int64_t T) {
  CalibrationSet s;
  s.samples = samples;
  s.seq_len = T;
  s.tokens = testing::random_tokens(samples * T, c.vocab_size, 9);
  return s;
}

// Records every call; optionally halves down_proj (a visible "compression").
class RecordingPass : public LayerPass {
 public:
  RecordingPass(PassMode mode, bool halve_down) : mode_(mode), halve_down_(halve_down) {}
  std::string name() const override { return "record"; }
  PassMode mode() const override { return mode_; }
  StatsRequest request(Stage) const override {
    StatsRequest r;
    r.abs_max = true;
    r.keep_samples = 2;
    return r;
  }
  void compress_stage(LayerContext& ctx, Stage s, InputStats& st) override { record(ctx, s, st); }
  void compress_layer(LayerContext& ctx, std::array<InputStats, kNumStages>& st) override {
    for (Stage s : kAllStages) record(ctx, s, st[index_of(s)]);
  }

  struct Call {
    int64_t layer;
    Stage stage;
    int64_t features, rows;
    Tensor kept;
  };
  std::vector<Call> calls;

 private:
  void record(LayerContext& ctx, Stage s, InputStats& st) {
    calls.push_back({ctx.layer, s, st.features, st.rows, st.kept});
    if (halve_down_ && s == Stage::kMlpOut) {
      Tensor& w = ctx.state.tensors.w(model::Proj::kDown);
      for (uint64_t i = 0; i < w.numel(); ++i) w.mutable_data<float>()[i] *= 0.5f;
      ctx.state.weight_changed[model::index_of(model::Proj::kDown)] = true;
    }
  }
  PassMode mode_;
  bool halve_down_;
};

// Hidden states of the fixture with every down_proj halved (or not).
std::vector<Tensor> hidden_states(const CalibrationSet& set, bool halve_down) {
  auto m = model::Model::load(kDir);
  if (halve_down) {
    for (auto& l : m->weights().layers) {
      const auto& d = dynamic_cast<const model::DenseLinear&>(*l.down);
      Tensor w = d.weight().clone();
      for (uint64_t i = 0; i < w.numel(); ++i) w.mutable_data<float>()[i] *= 0.5f;
      l.down = std::make_unique<model::DenseLinear>(w);
    }
  }
  std::vector<Tensor> hidden;
  m->score(set.tokens, set.samples, set.seq_len, {}, &hidden);
  return hidden;
}

void expect_attn_inputs(const RecordingPass& pass, const std::vector<Tensor>& hidden,
                        const io::ModelConfig& c, const io::Checkpoint& ck, int64_t T) {
  for (const auto& call : pass.calls) {
    if (call.stage != Stage::kAttnIn) continue;
    const int64_t n = 2 * T, C = c.hidden_size;
    const model::LayerTensors t = model::load_layer_tensors(ck, c, call.layer);
    std::vector<float> want(static_cast<size_t>(n * C));
    kernels::rms_norm_f32(hidden[static_cast<size_t>(call.layer)].data<float>(), t.attn_norm.data<float>(),
                          want.data(), n, C, static_cast<float>(c.rms_norm_eps));
    ASSERT_EQ(0, std::memcmp(want.data(), call.kept.data<float>(), want.size() * sizeof(float)))
        << "layer " << call.layer;
  }
}

TEST(Pipeline, SequentialStagesInOrderWithTheirInputs) {
  const io::Checkpoint ck = io::Checkpoint::open(kDir);
  const auto m = model::Model::load(kDir);
  const io::ModelConfig& c = m->config();
  const CalibrationSet set = random_set(c, 5, 32);
  RecordingPass pass(PassMode::kSequential, /*halve_down=*/true);
  std::vector<double> errors;
  PipelineOptions opt;
  opt.chunk_samples = 2;  // chunks of 2, 2, 1 sequences
  opt.on_layer = [&](int64_t, LayerState& st) { errors.push_back(st.result.output_rel_error); };
  run_pipeline(ck, c, set, pass, opt);

  ASSERT_EQ(pass.calls.size(), static_cast<size_t>(4 * c.num_hidden_layers));
  for (size_t i = 0; i < pass.calls.size(); ++i) {
    const auto& call = pass.calls[i];
    EXPECT_EQ(call.layer, static_cast<int64_t>(i / 4));
    EXPECT_EQ(call.stage, kAllStages[i % 4]);
    EXPECT_EQ(call.features, stage_features(c, call.stage));
    EXPECT_EQ(call.rows, 5 * 32);
    EXPECT_EQ(call.kept.shape(), (Shape{2 * 32, call.features}));
  }
  // Each layer's input is the previous compressed layer's output.
  expect_attn_inputs(pass, hidden_states(set, true), c, ck, 32);
  for (double e : errors) EXPECT_GT(e, 0.01);  // halving down_proj is a real change
}

TEST(Pipeline, WholeLayerPassAndOriginalPropagation) {
  const io::Checkpoint ck = io::Checkpoint::open(kDir);
  const auto m = model::Model::load(kDir);
  const io::ModelConfig& c = m->config();
  const CalibrationSet set = random_set(c, 3, 24);
  RecordingPass pass(PassMode::kWholeLayer, /*halve_down=*/true);
  PipelineOptions opt;
  opt.propagate_original = true;
  run_pipeline(ck, c, set, pass, opt);
  ASSERT_EQ(pass.calls.size(), static_cast<size_t>(4 * c.num_hidden_layers));
  // Inputs come from the original model despite the change.
  expect_attn_inputs(pass, hidden_states(set, false), c, ck, 24);
}

TEST(Pipeline, APassThatChangesNothingHasNoError) {
  const io::Checkpoint ck = io::Checkpoint::open(kDir);
  const auto m = model::Model::load(kDir);
  const io::ModelConfig& c = m->config();
  const CalibrationSet set = random_set(c, 2, 16);
  for (PassMode mode : {PassMode::kSequential, PassMode::kWholeLayer}) {
    RecordingPass pass(mode, false);
    int64_t layers = 0;
    PipelineOptions opt;
    opt.on_layer = [&](int64_t, LayerState& st) {
      ++layers;
      EXPECT_EQ(st.result.output_mse, 0.0);
      EXPECT_EQ(st.result.output_rel_error, 0.0);
    };
    run_pipeline(ck, c, set, pass, opt);
    EXPECT_EQ(layers, c.num_hidden_layers);
  }
}

}  // namespace
}  // namespace slimlm::calib
