#pragma once
// One decoder layer's weights as owned, writable f32 tensors, read straight
// from a checkpoint: what compression passes work on layer by layer
// (calib/pipeline.h), so that the whole model is never held in f32.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "slimlm/core/tensor.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/io/model_config.h"
#include "slimlm/model/weight_names.h"
#include "slimlm/model/weights.h"

namespace slimlm::model {

// The Linears of a decoder layer in the order the layer computes them.
enum class Proj : uint8_t { kQ = 0, kK = 1, kV = 2, kO = 3, kGate = 4, kUp = 5, kDown = 6 };
inline constexpr size_t kNumProjs = 7;
inline constexpr std::array<Proj, kNumProjs> kAllProjs = {Proj::kQ,    Proj::kK,  Proj::kV,   Proj::kO,
                                                          Proj::kGate, Proj::kUp, Proj::kDown};

// "q_proj", "k_proj", ... (the Hugging Face module names).
std::string_view to_string(Proj p);
WeightSlot weight_slot(Proj p);
inline size_t index_of(Proj p) { return static_cast<size_t>(p); }

struct LayerTensors {
  int64_t layer = 0;
  Tensor attn_norm, mlp_norm;              // f32 [C]
  std::array<Tensor, kNumProjs> weight;    // f32 [out, in]
  std::array<Tensor, kNumProjs> bias;      // f32 [out], or empty

  Tensor& w(Proj p) { return weight[index_of(p)]; }
  const Tensor& w(Proj p) const { return weight[index_of(p)]; }
  Tensor& b(Proj p) { return bias[index_of(p)]; }
  const Tensor& b(Proj p) const { return bias[index_of(p)]; }

  // A deep copy (every tensor owned and writable).
  LayerTensors clone() const;
  uint64_t nbytes() const;
};

// The checkpoint name of a layer tensor (the weight or bias of a Linear
// slot, or a norm), or "" when the config does not use it (a bias the
// config turns off).
std::string layer_tensor_name(const io::ModelConfig& c, int64_t layer, WeightSlot slot, bool bias);

// Reads layer `layer` as f32 (f32, f16 or bf16 in the file). Throws
// FormatError naming the tensor and folder when one is missing, has the
// wrong shape or holds a non-finite value; UnsupportedError for other
// dtypes.
LayerTensors load_layer_tensors(const io::Checkpoint& ck, const io::ModelConfig& c, int64_t layer);

// out[n, C] = the embedding rows of ids, converting only those rows. Throws
// Error for an id outside [0, V).
void embed_rows(const io::Checkpoint& ck, const io::ModelConfig& c, std::span<const int32_t> ids,
                float* out);

// LayerWeights whose Linears are DenseLinears viewing t's tensors: writes
// into t's tensors are seen by them. t must outlive the result.
LayerWeights dense_view(const LayerTensors& t);

}  // namespace slimlm::model
