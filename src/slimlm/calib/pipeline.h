#pragma once
// The sequential layer-by-layer calibration pipeline (GPTQ's
// llama_sequential, llm-compressor's sequential onloading):
//
//   x = embeddings of the calibration windows                 [N, C]
//   for each decoder layer:
//     read the layer's weights from the checkpoint as f32
//     run the layer over x, collecting what the pass asks for about each
//       stage's input (layer_pass.h: stage by stage, or all at once)
//     let the pass compress the layer
//     x = the compressed layer's output on x (or the original layer's, when
//       asked), fed to the next layer
//
// Memory: the activations (x, the uncompressed layer's output, and up to two
// stages' intermediates of N rows, see max_cache_bytes) plus one layer's f32
// weights twice (as loaded, and as the pass rewrites them) and the current
// stage's statistics. The rest of the model stays in the mapped checkpoint
// and is never converted; only the embedding rows of the windows are read.
#include <cstdint>
#include <functional>

#include "slimlm/calib/calibration_set.h"
#include "slimlm/calib/layer_pass.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/io/model_config.h"

namespace slimlm::calib {

struct PipelineOptions {
  // Sequences per forward chunk; 0 picks about kDefaultChunkTokens tokens.
  int64_t chunk_samples = 0;
  // Feed the next layer the uncompressed layer's output (llm-awq's run_awq
  // does) instead of the compressed layer's (GPTQ does).
  bool propagate_original = false;
  // Sequences the per-layer output error is measured on (0: all): the
  // uncompressed layer's output costs a forward pass over them, and a few
  // thousand tokens pin the error down.
  int64_t error_samples = 16;
  // Intermediates over every calibration token (the MLP's hidden
  // activations, N × F floats) are kept rather than computed twice when
  // they fit in this many bytes.
  uint64_t max_cache_bytes = uint64_t{2} << 30;
  // After each layer, with its final state: the caller takes what it keeps
  // (QuantizedTensors, changed tensors, errors) before the state is dropped.
  std::function<void(int64_t layer, LayerState& state)> on_layer;
  // Before each layer (progress).
  std::function<void(int64_t layer, int64_t layers)> on_layer_start;
};

inline constexpr int64_t kDefaultChunkTokens = 4096;

// Runs `pass` over every decoder layer. Throws what load_layer_tensors and
// the pass throw. Windows longer than max_position_embeddings are run with a
// warning, as Model::score does.
void run_pipeline(const io::Checkpoint& ck, const io::ModelConfig& c, const CalibrationSet& set,
                  LayerPass& pass, const PipelineOptions& opt = {});

}  // namespace slimlm::calib
