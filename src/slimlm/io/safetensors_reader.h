#pragma once
// A safetensors file opened for reading: the header is parsed and validated
// once, the file stays mapped, and tensors are zero-copy read-only views whose
// owner is the mapping, so they stay valid after the SafetensorsFile is gone.
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "slimlm/core/tensor.h"
#include "slimlm/io/mapped_file.h"
#include "slimlm/io/safetensors_header.h"

namespace slimlm::io {

class SafetensorsFile {
 public:
  // Throws IoError when the file cannot be read, FormatError when it is not
  // a valid safetensors file.
  static std::shared_ptr<const SafetensorsFile> open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return mapping_->path(); }
  uint64_t file_bytes() const { return mapping_->size(); }

  // Tensor names in header order.
  const std::vector<std::string>& names() const { return names_; }
  size_t size() const { return header_.tensors.size(); }
  bool contains(std::string_view name) const;
  // Throws FormatError naming the file and the tensor when it is absent.
  const SafetensorsTensorInfo& info(std::string_view name) const;
  // A view of the tensor's bytes in the mapping (not writable).
  Tensor tensor(std::string_view name) const;
  // Where the tensor's bytes start in the file (data offset + begin).
  uint64_t file_offset(std::string_view name) const;

  const std::map<std::string, std::string>& metadata() const { return header_.metadata; }
  const SafetensorsHeader& header() const { return header_; }
  const std::shared_ptr<const MappedFile>& mapping() const { return mapping_; }

  // Public for make_shared; use open().
  SafetensorsFile(std::shared_ptr<const MappedFile> mapping, SafetensorsHeader header);
  // index_ views strings owned by header_: a copy would dangle.
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

 private:
  size_t index_of(std::string_view name) const;

  std::shared_ptr<const MappedFile> mapping_;
  SafetensorsHeader header_;
  std::vector<std::string> names_;
  std::unordered_map<std::string_view, size_t> index_;  // keys view header_'s names
};

}  // namespace slimlm::io
