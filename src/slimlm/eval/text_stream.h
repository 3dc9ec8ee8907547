#pragma once
// Streams generated text as tokens arrive. A token may end inside a UTF-8
// character (byte-level BPE splits multi-byte characters across tokens), and
// decoders turn an unfinished sequence into U+FFFD, so each push decodes all
// tokens so far and releases only the text that can no longer change: up to
// the last complete character, holding back a trailing incomplete sequence or
// trailing U+FFFD that the next token may still complete.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace slimlm::eval {

// Length of the longest prefix of `s` that does not end in a truncated UTF-8
// sequence (a lead byte whose continuation bytes have not all arrived).
size_t complete_utf8_prefix(std::string_view s);

class TextStream {
 public:
  using DecodeFn = std::function<std::string(std::span<const int32_t>)>;
  explicit TextStream(DecodeFn decode) : decode_(std::move(decode)) {}

  // Adds a token; returns the newly stable text (often empty).
  std::string push(int32_t id);
  // Everything not yet returned, at the end of generation.
  std::string flush();

  const std::vector<int32_t>& ids() const { return ids_; }

 private:
  DecodeFn decode_;
  std::vector<int32_t> ids_;
  size_t emitted_ = 0;  // bytes of the decoded text already returned
};

}  // namespace slimlm::eval
