#include "slimlm/io/safetensors_reader.h"

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::io {

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::filesystem::path& path) {
  auto mapping = MappedFile::open(path);
  auto header = parse_safetensors_header(mapping->bytes(), path.string());
  return std::make_shared<SafetensorsFile>(std::move(mapping), std::move(header));
}

SafetensorsFile::SafetensorsFile(std::shared_ptr<const MappedFile> mapping, SafetensorsHeader header)
    : mapping_(std::move(mapping)), header_(std::move(header)) {
  names_.reserve(header_.tensors.size());
  index_.reserve(header_.tensors.size());
  for (size_t i = 0; i < header_.tensors.size(); ++i) {
    names_.push_back(header_.tensors[i].name);
    index_.emplace(header_.tensors[i].name, i);
  }
}

size_t SafetensorsFile::index_of(std::string_view name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) {
    throw FormatError(fmt::format("{}: no tensor {}", path().string(), quote_name(name)));
  }
  return it->second;
}

bool SafetensorsFile::contains(std::string_view name) const { return index_.count(name) != 0; }

const SafetensorsTensorInfo& SafetensorsFile::info(std::string_view name) const {
  return header_.tensors[index_of(name)];
}

uint64_t SafetensorsFile::file_offset(std::string_view name) const {
  return header_.data_offset + info(name).begin;
}

Tensor SafetensorsFile::tensor(std::string_view name) const {
  const auto& t = info(name);
  // The header was validated against this mapping, so the range lies inside it.
  const uint8_t* p = mapping_->data() + header_.data_offset + t.begin;
  return Tensor::view(static_cast<const void*>(p), t.dtype, t.shape, mapping_, /*writable=*/false);
}

}  // namespace slimlm::io
