#pragma once
// Removing whole decoder layers: the kept layers' tensors are renumbered
// in order (model.layers.5.* becomes model.layers.3.* when two layers
// before it go) and config.json's num_hidden_layers follows, with the
// per-layer keys that transformers reads: layer_types loses the dropped
// entries, and Qwen2's max_window_layers counts the kept layers below it
// (so every kept layer keeps its attention window).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/io/model_config.h"
#include "slimlm/io/safetensors_writer.h"

namespace slimlm::compress {

// Parses "3,5" / "3 5" into sorted, distinct layer indices. Throws
// ConfigError naming --drop-layers for malformed text, an index outside
// [0, L) or a list that would drop every layer.
std::vector<int64_t> parse_layer_list(std::string_view text, int64_t num_layers);

// Drops `drop` (sorted, distinct) from `tensors` (checkpoint names) and
// renumbers the rest; patches `config`.
void drop_layers(io::NamedTensors& tensors, nlohmann::ordered_json& config, const io::ModelConfig& c,
                 std::span<const int64_t> drop);

// The layer index of "model.layers.<i>.…", or -1.
int64_t layer_of_tensor(std::string_view name);

}  // namespace slimlm::compress
