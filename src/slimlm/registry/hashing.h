#pragma once
// SHA-256 (FIPS 180-4) of files, text and model folders, as lowercase hex.
// Written here rather than linked: slimlm has no crypto library dependency.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace slimlm::registry {

// Incremental SHA-256.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::string hex_digest();  // finishes; the object must not be updated afterwards

 private:
  void compress_block(const uint8_t* block);                   // portable
  void compress_blocks(const uint8_t* blocks, size_t count);  // dispatched
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_bytes_ = 0;
};

std::string sha256_text(std::string_view text);
// IoError naming the file if it cannot be read.
std::string sha256_file(const std::filesystem::path& file);
// One digest over a Hugging Face checkpoint folder: config.json, *.safetensors
// and tokenizer.json, in name order; each contributes "name\n<size>\n" and its
// bytes, so renames and truncations change the digest. IoError if the folder
// is missing or holds none of these files.
std::string sha256_model_folder(const std::filesystem::path& folder);

}  // namespace slimlm::registry
