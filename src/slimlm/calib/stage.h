#pragma once
// The stages of a decoder layer: groups of Linears that read the same input,
// in the order the layer computes them. GPTQ's "true sequential" mode
// compresses them in this order, each stage seeing inputs computed with the
// stages before it already compressed.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

#include "slimlm/io/model_config.h"
#include "slimlm/model/layer_tensors.h"

namespace slimlm::calib {

enum class Stage : uint8_t {
  kAttnIn = 0,   // q, k, v   input: input_layernorm(x)            [C]
  kAttnOut = 1,  // o         input: attention output              [Q]
  kMlpIn = 2,    // gate, up  input: post_attention_layernorm(h)   [C]
  kMlpOut = 3,   // down      input: silu(gate) * up               [F]
};
inline constexpr size_t kNumStages = 4;
inline constexpr std::array<Stage, kNumStages> kAllStages = {Stage::kAttnIn, Stage::kAttnOut,
                                                            Stage::kMlpIn, Stage::kMlpOut};

inline size_t index_of(Stage s) { return static_cast<size_t>(s); }
std::string_view to_string(Stage s);  // "attn_in", ...
std::span<const model::Proj> stage_projs(Stage s);
Stage stage_of(model::Proj p);
// Width of the stage's input: C, Q, C or F.
int64_t stage_features(const io::ModelConfig& c, Stage s);

}  // namespace slimlm::calib
