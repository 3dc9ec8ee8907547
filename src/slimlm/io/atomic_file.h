#pragma once
// Outputs appear complete or not at all: bytes go to a temporary file in the
// destination's folder (same filesystem, so rename is atomic), which is
// fsync'd and renamed over the destination only on commit(). Without commit —
// an exception, a crash — the temporary is removed and the destination keeps
// its old contents.
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace slimlm::io {

class AtomicFile {
 public:
  // Creates the temporary file; throws IoError naming the destination.
  explicit AtomicFile(std::filesystem::path destination);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, size_t n);
  void write(std::string_view s) { write(s.data(), s.size()); }
  void write(std::span<const std::byte> b) { write(b.data(), b.size()); }
  // Bytes written so far.
  size_t size() const { return written_; }

  // fsync, rename over the destination, fsync the folder. Throws IoError.
  void commit();

  const std::filesystem::path& destination() const { return destination_; }
  const std::filesystem::path& temp_path() const { return temp_; }

 private:
  void discard() noexcept;

  std::filesystem::path destination_;
  std::filesystem::path temp_;
  int fd_ = -1;
  size_t written_ = 0;
  bool committed_ = false;
};

// Writes `contents` to `path` through an AtomicFile (JSON reports, configs).
void write_text_atomic(const std::filesystem::path& path, std::string_view contents);

}  // namespace slimlm::io
