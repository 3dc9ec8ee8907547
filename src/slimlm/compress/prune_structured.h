#pragma once
// Structured pruning of a checkpoint folder into a smaller dense one:
// `slimlm prune MODEL -o OUT --structured heads|channels|layers --ratio R`
// or `--structured layers --drop-layers LIST`.
//
//   heads     remove a fraction of the attention heads in every layer
//             (structured_heads.h: whole GQA groups, or query heads within
//             each group);
//   channels  remove a fraction of the MLP channels in every layer
//             (structured_channels.h);
//   layers    remove whole decoder layers (layer_drop.h): an explicit list,
//             or the round(R · L) layers of lowest Block Influence
//             (block_influence.h, needs --calib).
//
// Heads and channels are ranked by activation importance when a
// calibration text is given, else by weight magnitude; recipe.json says
// which. The tensors are cut, never converted: the kept weights are bit for
// bit the original ones, and the output loads in transformers (config.json
// carries the new dimensions).
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/compress/prune_model.h"
#include "slimlm/compress/structured_heads.h"

namespace slimlm::compress {

enum class StructuredKind : uint8_t { kHeads = 0, kChannels = 1, kLayers = 2 };
std::string_view to_string(StructuredKind k);
std::optional<StructuredKind> structured_kind_from_string(std::string_view s);
std::string_view to_string(HeadUnit u);
std::optional<HeadUnit> head_unit_from_string(std::string_view s);

struct StructuredOptions {
  StructuredKind kind = StructuredKind::kChannels;
  double ratio = 0.0;                // fraction removed (layers: of the layers)
  std::vector<int64_t> drop_layers;  // layers: explicit, instead of ratio
  HeadUnit head_unit = HeadUnit::kGroup;
  CalibrationSource calib;           // file empty: magnitude importance
  nlohmann::ordered_json recipe_extra = nlohmann::ordered_json::object();
  // (layers done, layers) while measuring importance.
  std::function<void(int64_t, int64_t)> progress;
};

struct StructuredReport {
  std::string importance;  // "magnitude", "activation", "block_influence", "explicit"
  int64_t heads_before = 0, heads_after = 0, kv_heads_before = 0, kv_heads_after = 0;
  int64_t ffn_before = 0, ffn_after = 0, layers_before = 0, layers_after = 0;
  std::vector<int64_t> dropped_layers;
  std::vector<double> layer_scores;  // block influence per original layer (layers by ratio)
  uint64_t params_before = 0, params_after = 0, bytes_before = 0, bytes_after = 0;
  double seconds = 0, calibration_seconds = 0;
};

// Throws ConfigError for options that make no sense (a ratio outside
// (0, 1) or one that removes nothing, --drop-layers with another kind,
// layers by ratio without --calib) and the errors of open_prune_input, all
// before any work.
StructuredReport prune_structured(const std::filesystem::path& input, const std::filesystem::path& output,
                                  const StructuredOptions& options);

}  // namespace slimlm::compress
