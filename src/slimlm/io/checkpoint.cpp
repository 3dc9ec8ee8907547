#include "slimlm/io/checkpoint.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "slimlm/core/error.h"
#include "slimlm/io/message_text.h"
#include "slimlm/io/text_file.h"

namespace slimlm::io {
namespace fs = std::filesystem;
namespace {

// weight_map: tensor name -> shard file name, in the index's order.
std::vector<std::pair<std::string, std::string>> read_weight_map(const fs::path& index) {
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(read_text_file(index));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(fmt::format("{}: not valid JSON: {}", index.string(), printable(e.what())));
  }
  if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
    throw FormatError(fmt::format("{}: expected an object with a \"weight_map\" object", index.string()));
  }
  std::vector<std::pair<std::string, std::string>> map;
  for (const auto& [name, shard] : j["weight_map"].items()) {
    if (!shard.is_string()) {
      throw FormatError(fmt::format("{}: weight_map entry of tensor {} is not a file name",
                                    index.string(), quote_name(name)));
    }
    const std::string file = shard.get<std::string>();
    // A shard is a plain file beside the index; a path could read outside the folder.
    if (file.empty() || file == "." || file == ".." || file.find('/') != std::string::npos ||
        file.find('\\') != std::string::npos) {
      throw FormatError(fmt::format("{}: tensor {} maps to {}, which is not a file name in the "
                                    "model folder",
                                    index.string(), quote_name(name), quote_name(file)));
    }
    map.emplace_back(name, file);
  }
  if (map.empty()) throw FormatError(fmt::format("{}: weight_map is empty", index.string()));
  return map;
}

}  // namespace

void Checkpoint::add_shard(std::shared_ptr<const SafetensorsFile> shard) {
  const size_t k = shards_.size();
  for (const auto& name : shard->names()) {
    const auto [it, fresh] = where_.emplace(name, k);
    if (!fresh) {
      throw FormatError(fmt::format("{}: tensor {} is in both {} and {}", dir_.string(),
                                    quote_name(name), shards_[it->second]->path().filename().string(),
                                    shard->path().filename().string()));
    }
    names_.push_back(name);
  }
  files_.push_back({shard->path(), shard->file_bytes(), shard->size()});
  shards_.push_back(std::move(shard));
}

Checkpoint Checkpoint::open(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) throw IoError(fmt::format("model folder {} does not exist", dir.string()));
  if (!fs::is_directory(dir, ec)) throw IoError(fmt::format("{} is not a folder", dir.string()));

  Checkpoint c;
  c.dir_ = dir;
  const fs::path single = dir / kSingleWeightsFile;
  const fs::path index = dir / kWeightsIndexFile;
  if (fs::exists(single, ec)) {
    c.add_shard(SafetensorsFile::open(single));
    return c;
  }
  if (fs::exists(index, ec)) {
    c.index_ = index;
    const auto weight_map = read_weight_map(index);
    // Shards in order of first mention, as transformers loads them.
    std::vector<std::string> shard_names;
    for (const auto& [name, file] : weight_map) {
      if (std::find(shard_names.begin(), shard_names.end(), file) == shard_names.end()) {
        shard_names.push_back(file);
      }
    }
    for (const auto& file : shard_names) {
      const fs::path p = dir / file;
      if (!fs::exists(p, ec)) {
        throw FormatError(fmt::format("{}: lists shard {}, which does not exist", index.string(), file));
      }
      c.add_shard(SafetensorsFile::open(p));
    }
    for (const auto& [name, file] : weight_map) {
      const auto it = c.where_.find(name);
      if (it == c.where_.end()) {
        throw FormatError(fmt::format("{}: tensor {} is mapped to {} but that shard does not hold it",
                                      index.string(), quote_name(name), file));
      }
      const std::string actual = c.shards_[it->second]->path().filename().string();
      if (actual != file) {
        throw FormatError(fmt::format("{}: tensor {} is mapped to {} but lies in {}", index.string(),
                                      quote_name(name), file, actual));
      }
    }
    if (weight_map.size() != c.where_.size()) {
      std::map<std::string_view, bool> mapped;
      for (const auto& [name, file] : weight_map) mapped[name] = true;
      for (const auto& name : c.names_) {
        if (!mapped.count(name)) {
          throw FormatError(fmt::format("{}: tensor {} in {} is missing from the weight_map",
                                        index.string(), quote_name(name),
                                        c.shard_of(name).path().filename().string()));
        }
      }
    }
    return c;
  }

  std::vector<fs::path> candidates;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".safetensors" && entry.is_regular_file(ec)) {
      candidates.push_back(entry.path());
    }
  }
  std::sort(candidates.begin(), candidates.end());
  if (candidates.size() == 1) {
    c.add_shard(SafetensorsFile::open(candidates.front()));
    return c;
  }
  if (candidates.empty()) {
    throw IoError(fmt::format("no weights in {}: expected {}, {} or one *.safetensors file",
                              dir.string(), kSingleWeightsFile, kWeightsIndexFile));
  }
  throw IoError(fmt::format("{} holds {} *.safetensors files but no {} saying how they fit together",
                            dir.string(), candidates.size(), kWeightsIndexFile));
}

const SafetensorsFile& Checkpoint::shard_of(std::string_view name) const {
  const auto it = where_.find(std::string(name));
  if (it == where_.end()) {
    throw FormatError(fmt::format("{}: no tensor {}", dir_.string(), quote_name(name)));
  }
  return *shards_[it->second];
}

bool Checkpoint::contains(std::string_view name) const { return where_.count(std::string(name)) != 0; }

const SafetensorsTensorInfo& Checkpoint::info(std::string_view name) const {
  return shard_of(name).info(name);
}

Tensor Checkpoint::tensor(std::string_view name) const { return shard_of(name).tensor(name); }

const SafetensorsFile& Checkpoint::file_of(std::string_view name) const { return shard_of(name); }

uint64_t Checkpoint::total_bytes() const {
  uint64_t n = 0;
  for (const auto& f : files_) n += f.bytes;
  return n;
}

}  // namespace slimlm::io
