#pragma once
// A read-only memory mapping of a whole file. Weights are used straight from
// the page cache, so a checkpoint larger than RAM can still be inspected, and
// tensors viewing it keep the mapping alive through a shared_ptr.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

namespace slimlm::io {

class MappedFile {
 public:
  // Throws IoError naming the path when the file cannot be opened or mapped.
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);

  // Only open() can make the key; the constructor is public for make_shared.
  class Key {
    friend class MappedFile;
    Key() = default;
  };
  explicit MappedFile(Key) {}
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // Null for an empty file (mmap cannot map zero bytes).
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace slimlm::io
