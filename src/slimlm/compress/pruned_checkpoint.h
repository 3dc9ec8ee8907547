#pragma once
// Reading a model folder for pruning and writing the pruned one: the
// decoder layers' Linear weights by name, config.json as JSON (so that keys
// slimlm does not model survive), and an output folder that appears
// atomically (io/atomic_dir.h) with model.safetensors, config.json,
// recipe.json (how it was made) and the tokenizer and generation files.
// The input is never written; an output inside or equal to it is refused.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/io/checkpoint.h"
#include "slimlm/io/model_config.h"
#include "slimlm/io/safetensors_writer.h"
#include "slimlm/model/weight_names.h"

namespace slimlm::compress {

// A decoder layer's Linear weight in the checkpoint.
struct LinearWeight {
  std::string name;  // "model.layers.3.mlp.up_proj.weight"
  int64_t layer = 0;
  model::WeightSlot slot = model::WeightSlot::kQ;
};

// The q/k/v/o and gate/up/down weights of every layer, layer by layer in
// the order the layer computes them. lm_head and the embeddings are not
// pruned (as in the Wanda and SparseGPT repositories).
std::vector<LinearWeight> layer_linear_weights(const io::ModelConfig& c);

// "q_proj", "k_proj", ... "down_proj": the tensor-type names of summaries.
std::string_view linear_type(model::WeightSlot slot);

struct PruneInput {
  std::filesystem::path dir;
  nlohmann::ordered_json config_json;  // config.json as written
  io::ModelConfig config;
  io::Checkpoint checkpoint;
};

// Opens the folder to prune. Throws ConfigError when the output folder is
// unusable (io::check_output_folder) or when the model is already quantized
// or stored sparse (a quantization_config: prune the original instead);
// the errors of io::parse_hf_config and io::Checkpoint::open otherwise.
PruneInput open_prune_input(const std::filesystem::path& input, const std::filesystem::path& output);

// Writes the output folder through the edited-checkpoint writer
// (checkpoint_edits.h): `tensors` into model.safetensors (wider elements
// first, so that every tensor stays aligned for zero-copy loads),
// config.json, recipe.json and the files of the input folder that travel
// with a model (tokenizer, generation config, provenance). Throws IoError
// and leaves nothing at `output` on failure.
void write_pruned_checkpoint(const PruneInput& in, const std::filesystem::path& output,
                             io::NamedTensors tensors, const nlohmann::ordered_json& config_json,
                             const nlohmann::ordered_json& recipe);

}  // namespace slimlm::compress
