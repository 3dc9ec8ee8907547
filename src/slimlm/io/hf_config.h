#pragma once
// Hugging Face config.json -> ModelConfig, for the architectures in
// model_config.h. Defaults are transformers' for each architecture; both the
// transformers 4 (`rope_theta`, `rope_scaling`, `torch_dtype`) and 5
// (`rope_parameters`, `dtype`) spellings are read.
#include <filesystem>
#include <string_view>

#include <nlohmann/json.hpp>

#include "slimlm/io/model_config.h"

namespace slimlm::io {

// Throws IoError when the file cannot be read; otherwise as parse_hf_config.
ModelConfig load_hf_config(const std::filesystem::path& path);

// Throws UnsupportedError naming an unknown architecture and listing the
// supported ones; ConfigError naming the file and key for invalid JSON, a
// missing required key, a wrong JSON type or an impossible value.
ModelConfig parse_hf_config(std::string_view json_text, std::string_view name_for_errors);

// config.json of a model folder about to be compressed: the JSON in its key
// order (written back edited) and the parsed config. FormatError when it is
// not a JSON object; ConfigError naming the folder when it is already
// compressed (it has a quantization_config) — `verb` ("quantize", "prune")
// says what to do with the original instead; otherwise as parse_hf_config.
struct UncompressedConfig {
  nlohmann::ordered_json json;
  ModelConfig config;
};
UncompressedConfig read_uncompressed_config(const std::filesystem::path& model_dir, std::string_view verb);

}  // namespace slimlm::io
