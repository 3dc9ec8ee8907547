// SHA-256 as FIPS 180-4 specifies it (sections 4.1.2, 4.2.2, 5.3.3, 6.2).
// compress_block is the portable reference; whole runs of blocks go to the
// SHA-NI code (sha256_hw.cpp) when the CPU has it.
#include "slimlm/registry/hashing.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <memory>
#include <vector>

#include "slimlm/core/error.h"
#include "slimlm/registry/sha256_hw.h"

namespace slimlm::registry {
namespace {

constexpr uint32_t kInitial[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

constexpr uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

// File reads in 1 MiB pieces: large enough that syscalls do not matter,
// small enough to stay in cache while hashed.
constexpr size_t kChunk = size_t{1} << 20;

// Feeds a whole file to `h`; returns its size.
uint64_t hash_file_into(Sha256& h, const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw IoError(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::vector<uint8_t> buf(kChunk);
  uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw IoError(fmt::format("cannot read {}: {}", file.string(), std::strerror(errno)));
    }
    if (n == 0) break;
    h.update(buf.data(), static_cast<size_t>(n));
    total += static_cast<uint64_t>(n);
  }
  return total;
}

}  // namespace

Sha256::Sha256() { std::memcpy(h_, kInitial, sizeof(h_)); }

void Sha256::compress_block(const uint8_t* p) {
  uint32_t w[64];
  for (int t = 0; t < 16; ++t) {
    w[t] = (uint32_t{p[4 * t]} << 24) | (uint32_t{p[4 * t + 1]} << 16) | (uint32_t{p[4 * t + 2]} << 8) |
           uint32_t{p[4 * t + 3]};
  }
  for (int t = 16; t < 64; ++t) {
    const uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    const uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4], f = h_[5], g = h_[6], h = h_[7];
  for (int t = 0; t < 64; ++t) {
    const uint32_t big_s1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
    const uint32_t ch = (e & f) ^ (~e & g);
    const uint32_t t1 = h + big_s1 + ch + detail::kSha256Round[t] + w[t];
    const uint32_t big_s0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
    const uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
    const uint32_t t2 = big_s0 + maj;
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
  h_[5] += f;
  h_[6] += g;
  h_[7] += h;
}

void Sha256::compress_blocks(const uint8_t* p, size_t blocks) {
  if (blocks == 0) return;
  if (detail::sha256_hw_available()) {
    detail::sha256_blocks_hw(h_, p, blocks);
    return;
  }
  for (; blocks > 0; --blocks, p += 64) compress_block(p);
}

void Sha256::update(const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  total_bytes_ += n;
  if (buf_len_ > 0) {
    const size_t take = std::min(n, sizeof(buf_) - buf_len_);
    std::memcpy(buf_ + buf_len_, p, take);
    buf_len_ += take;
    p += take;
    n -= take;
    if (buf_len_ < sizeof(buf_)) return;
    compress_blocks(buf_, 1);
    buf_len_ = 0;
  }
  compress_blocks(p, n / 64);
  p += n / 64 * 64;
  n %= 64;
  std::memcpy(buf_, p, n);
  buf_len_ = n;
}

std::string Sha256::hex_digest() {
  // Padding (5.1.1): a 1 bit, zeros to 56 mod 64 bytes, the bit length big-endian.
  const uint64_t bits = total_bytes_ * 8;
  uint8_t pad[72] = {0x80};
  const size_t zeros = (buf_len_ < 56 ? 56 - buf_len_ : 120 - buf_len_);
  for (int i = 0; i < 8; ++i) pad[zeros + i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  update(pad, zeros + 8);
  std::string hex;
  hex.reserve(64);
  for (uint32_t word : h_) fmt::format_to(std::back_inserter(hex), "{:08x}", word);
  return hex;
}

std::string sha256_text(std::string_view text) {
  Sha256 h;
  h.update(text);
  return h.hex_digest();
}

std::string sha256_file(const std::filesystem::path& file) {
  Sha256 h;
  hash_file_into(h, file);
  return h.hex_digest();
}

std::string sha256_model_folder(const std::filesystem::path& folder) {
  std::error_code ec;
  if (!std::filesystem::is_directory(folder, ec)) {
    throw IoError(fmt::format("cannot hash model folder {}: not a folder", folder.string()));
  }
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string name = entry.path().filename().string();
    if (name == "config.json" || name == "tokenizer.json" ||
        (name.size() > 12 && name.ends_with(".safetensors"))) {
      names.push_back(name);
    }
  }
  if (ec) throw IoError(fmt::format("cannot list model folder {}: {}", folder.string(), ec.message()));
  if (names.empty()) {
    throw IoError(fmt::format("cannot hash model folder {}: no config.json, *.safetensors or tokenizer.json",
                              folder.string()));
  }
  std::sort(names.begin(), names.end());
  Sha256 h;
  for (const std::string& name : names) {
    const auto path = folder / name;
    const uint64_t size = std::filesystem::file_size(path, ec);
    if (ec) throw IoError(fmt::format("cannot read {}: {}", path.string(), ec.message()));
    h.update(fmt::format("{}\n{}\n", name, size));
    // A file that changes while hashed would make the header lie: check.
    if (hash_file_into(h, path) != size) {
      throw IoError(fmt::format("{} changed size while being hashed", path.string()));
    }
  }
  return h.hex_digest();
}

}  // namespace slimlm::registry
