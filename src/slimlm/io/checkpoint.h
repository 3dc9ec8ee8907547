#pragma once
// A Hugging Face model folder's weights: one `model.safetensors`, shards
// listed by `model.safetensors.index.json`, or a lone `*.safetensors` —
// the order transformers looks for them in. Tensors are zero-copy views.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "slimlm/core/tensor.h"
#include "slimlm/io/safetensors_reader.h"

namespace slimlm::io {

inline constexpr std::string_view kSingleWeightsFile = "model.safetensors";
inline constexpr std::string_view kWeightsIndexFile = "model.safetensors.index.json";

struct CheckpointFile {
  std::filesystem::path path;
  uint64_t bytes = 0;
  size_t tensors = 0;
};

class Checkpoint {
 public:
  // Throws IoError when the folder is missing or holds no weights,
  // FormatError when a weights file or the index is malformed or the two
  // disagree (missing shard, tensor absent from its shard or in two shards).
  static Checkpoint open(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  // The index file when the weights are sharded.
  const std::optional<std::filesystem::path>& index_path() const { return index_; }

  // Shard order, then header order within a shard.
  const std::vector<std::string>& tensor_names() const { return names_; }
  size_t size() const { return names_.size(); }
  bool contains(std::string_view name) const;
  // Throws FormatError naming the folder and the tensor when it is absent.
  const SafetensorsTensorInfo& info(std::string_view name) const;
  Tensor tensor(std::string_view name) const;
  const SafetensorsFile& file_of(std::string_view name) const;

  const std::vector<CheckpointFile>& files() const { return files_; }
  uint64_t total_bytes() const;

 private:
  const SafetensorsFile& shard_of(std::string_view name) const;
  void add_shard(std::shared_ptr<const SafetensorsFile> shard);

  std::filesystem::path dir_;
  std::optional<std::filesystem::path> index_;
  std::vector<std::shared_ptr<const SafetensorsFile>> shards_;
  std::vector<CheckpointFile> files_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, size_t> where_;  // name -> shard
};

}  // namespace slimlm::io
