#pragma once
// Writes a whole model folder atomically (io/atomic_dir.h): the weights as
// one model.safetensors, config.json, recipe.json, and the input folder's
// companion files (tokenizer, generation config, provenance) copied beside
// them. Every writer of a compressed model (quantize, calibrated passes,
// pruning) ends here, so they all produce the same layout.
#include <array>
#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

#include "slimlm/io/safetensors_writer.h"

namespace slimlm::io {

// Files of a model folder that travel with the weights.
inline constexpr std::array<std::string_view, 10> kModelCompanionFiles = {
    "tokenizer.json",          "tokenizer.model",   "tokenizer_config.json",
    "special_tokens_map.json", "added_tokens.json", "vocab.json",
    "merges.txt",              "generation_config.json", "chat_template.jinja",
    "provenance.json",
};

// Nothing appears at `output` unless everything was written. Copies are made
// writable by their owner (a read-only model store must not make them
// read-only). Throws IoError naming the file at fault.
void write_model_folder(const std::filesystem::path& output, const std::filesystem::path& input,
                        const NamedTensors& tensors, const nlohmann::ordered_json& config,
                        const nlohmann::ordered_json& recipe);

}  // namespace slimlm::io
