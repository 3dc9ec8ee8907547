#pragma once
// The weights of a Llama-family decoder as the forward pass uses them: f32
// norms and embeddings, and one Linear per projection.
#include <memory>
#include <vector>

#include "slimlm/core/tensor.h"
#include "slimlm/model/linear.h"

namespace slimlm::model {

struct LayerWeights {
  Tensor attn_norm;  // f32 [C]
  std::unique_ptr<Linear> q, k, v, o;
  Tensor mlp_norm;  // f32 [C]
  std::unique_ptr<Linear> gate, up, down;
};

struct ModelWeights {
  Tensor embed;  // f32 [V, C]
  std::vector<LayerWeights> layers;
  Tensor final_norm;  // f32 [C]
  // With tied embeddings a DenseLinear viewing `embed`.
  std::unique_ptr<Linear> lm_head;
  // lm_head shares embed's memory (counted once in Model::weight_bytes). A
  // pass that gives lm_head weights of its own clears it.
  bool tied = false;
};

}  // namespace slimlm::model
