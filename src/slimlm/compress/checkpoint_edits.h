#pragma once
// Writes a compressed model folder: the input checkpoint's tensors with some
// replaced (a Linear weight by its packed form, a norm by the one a scale
// was folded into), config.json with a quantization_config, recipe.json, and
// the tokenizer files. The folder appears atomically (io/atomic_dir.h); the
// input is never written.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "slimlm/io/checkpoint.h"
#include "slimlm/io/safetensors_writer.h"

namespace slimlm::compress {

struct CheckpointEdits {
  // Checkpoint tensor name -> what is written in its place (may be several
  // tensors, e.g. weight_packed + weight_scale + weight_shape).
  std::map<std::string, io::NamedTensors> replace;
  // config.json's quantization_config (quant/compressed_tensors.h); null:
  // none is written.
  nlohmann::ordered_json quantization_config;
};

struct WrittenCheckpoint {
  uint64_t params_total = 0;  // parameters of the input checkpoint
  uint64_t bytes_before = 0, bytes_after = 0;
};

// Throws IoError / FormatError from reading and writing; ConfigError for an
// edit naming a tensor the checkpoint lacks.
WrittenCheckpoint write_edited_checkpoint(const std::filesystem::path& input,
                                          const std::filesystem::path& output,
                                          const io::Checkpoint& ck, nlohmann::ordered_json config_json,
                                          const CheckpointEdits& edits,
                                          const nlohmann::ordered_json& recipe);

}  // namespace slimlm::compress
