#include "slimlm/compress/pruned_checkpoint.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "slimlm/compress/checkpoint_edits.h"
#include "slimlm/core/error.h"
#include "slimlm/io/atomic_dir.h"
#include "slimlm/io/hf_config.h"

namespace slimlm::compress {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

bool is_pruned_slot(model::WeightSlot s) {
  switch (s) {
    case model::WeightSlot::kQ:
    case model::WeightSlot::kK:
    case model::WeightSlot::kV:
    case model::WeightSlot::kO:
    case model::WeightSlot::kGate:
    case model::WeightSlot::kUp:
    case model::WeightSlot::kDown: return true;
    default: return false;
  }
}

}  // namespace

std::vector<LinearWeight> layer_linear_weights(const io::ModelConfig& c) {
  const model::ArchitectureSpec& spec = model::architecture_spec(c.arch);
  std::vector<LinearWeight> out;
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    for (const model::WeightName& w : spec.weights) {
      if (model::layer_scoped(w) && !w.bias && is_pruned_slot(w.slot) && model::weight_used(w, c)) {
        out.push_back({model::weight_name(w, l), l, w.slot});
      }
    }
  }
  return out;
}

std::string_view linear_type(model::WeightSlot slot) {
  switch (slot) {
    case model::WeightSlot::kQ: return "q_proj";
    case model::WeightSlot::kK: return "k_proj";
    case model::WeightSlot::kV: return "v_proj";
    case model::WeightSlot::kO: return "o_proj";
    case model::WeightSlot::kGate: return "gate_proj";
    case model::WeightSlot::kUp: return "up_proj";
    case model::WeightSlot::kDown: return "down_proj";
    case model::WeightSlot::kLmHead: return "lm_head";
    default: return "other";
  }
}

PruneInput open_prune_input(const fs::path& input, const fs::path& output) {
  io::check_output_folder(input, output);
  io::UncompressedConfig in = io::read_uncompressed_config(input, "prune");
  return PruneInput{input, std::move(in.json), std::move(in.config), io::Checkpoint::open(input)};
}

void write_pruned_checkpoint(const PruneInput& in, const fs::path& output, io::NamedTensors tensors,
                             const Json& config_json, const Json& recipe) {
  // The edited-checkpoint writer emits each replacement where its original
  // stood: the whole new list in place of the first tensor, nothing for the
  // others, gives exactly `tensors` (renamed, cut and dropped ones too).
  CheckpointEdits edits;
  const std::vector<std::string>& names = in.checkpoint.tensor_names();
  for (size_t i = 0; i < names.size(); ++i) edits.replace[names[i]] = {};
  if (!names.empty()) edits.replace[names[0]] = std::move(tensors);
  write_edited_checkpoint(in.dir, output, in.checkpoint, config_json, edits, recipe);
}

}  // namespace slimlm::compress
