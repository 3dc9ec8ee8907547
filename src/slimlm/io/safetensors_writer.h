#pragma once
// Writes safetensors files the way huggingface/safetensors does: the JSON
// header padded with spaces to a multiple of 8 bytes, then the tensors'
// bytes back to back in the order given. The file appears atomically.
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "slimlm/core/tensor.h"

namespace slimlm::io {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

// Throws ConfigError for repeated or reserved names, UnsupportedError for a
// dtype safetensors cannot store, IoError when writing fails (the destination
// is then untouched).
void write_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// The header (length prefix + padded JSON) write_safetensors would write.
std::string safetensors_header_bytes(const NamedTensors& tensors,
                                     const std::map<std::string, std::string>& metadata = {});

}  // namespace slimlm::io
