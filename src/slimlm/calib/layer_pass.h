#pragma once
// The interface a compressor implements to run in the layer-by-layer
// pipeline (pipeline.h): quantizers (compress/: gptq, awq, smoothquant, rtn)
// and pruners (wanda, sparsegpt) alike.
//
// A pass says what it needs to know about each stage's input (input_stats.h)
// and how it wants to see the layer:
//   kSequential  stage by stage in the layer's order (q/k/v, o, gate/up,
//                down), each stage's input computed with the earlier stages
//                already compressed — GPTQ's --true-sequential;
//   kWholeLayer  once, with every stage's input computed by the layer as it
//                came in — AWQ and SmoothQuant, whose scales fold a stage
//                into the one before it, so all must be decided before any
//                is quantized.
// The pass rewrites the layer (LayerState): f32 tensors in place (a
// quantized weight written back dequantized), norms it folds scales into,
// runtime Linears, and the ProjResults saying how the output stores each
// Linear.
#include <array>
#include <string>

#include "slimlm/calib/input_stats.h"
#include "slimlm/calib/layer_state.h"
#include "slimlm/calib/stage.h"
#include "slimlm/model/layer_runner.h"

namespace slimlm::calib {

enum class PassMode : uint8_t { kSequential, kWholeLayer };

struct LayerContext {
  int64_t layer = 0;
  LayerState& state;
  const model::LayerRunner& runner;       // parts of the layer's forward pass
  const model::LayerTensors& original;    // the layer as loaded, never written
  int64_t seq_len = 0;
};

class LayerPass {
 public:
  virtual ~LayerPass() = default;

  virtual std::string name() const = 0;
  virtual PassMode mode() const = 0;
  virtual StatsRequest request(Stage stage) const = 0;

  // kSequential: called for each stage in order.
  virtual void compress_stage(LayerContext& ctx, Stage stage, InputStats& stats) {}
  // kWholeLayer: called once per layer; stats[i] belongs to kAllStages[i].
  virtual void compress_layer(LayerContext& ctx, std::array<InputStats, kNumStages>& stats) {}
};

}  // namespace slimlm::calib
