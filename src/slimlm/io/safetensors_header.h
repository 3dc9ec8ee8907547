#pragma once
// The safetensors header: 8 bytes little-endian N, N bytes of UTF-8 JSON, then
// the data area. The parser works on bytes in memory (a mapping, or a fuzzer's
// input) and trusts nothing in them: every violation of the format is a
// FormatError naming the file and, where there is one, the tensor.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/core/dtype.h"
#include "slimlm/core/tensor.h"
#include "slimlm/io/message_text.h"

namespace slimlm::io {

// The same cap as huggingface/safetensors: a header this big is an attack or
// a corrupt length, never a real checkpoint (Llama-3-405B's is ~1 MB).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

struct SafetensorsTensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  Shape shape;
  // Byte range [begin, end) relative to the start of the data area.
  uint64_t begin = 0;
  uint64_t end = 0;
  uint64_t nbytes() const { return end - begin; }
};

struct SafetensorsHeader {
  std::vector<SafetensorsTensorInfo> tensors;  // in header order
  std::map<std::string, std::string> metadata;
  uint64_t header_bytes = 0;  // N, the JSON length including padding
  uint64_t data_offset = 0;   // 8 + N: where the data area starts in the file
  uint64_t data_bytes = 0;    // file size - data_offset
};

// Parses and validates a whole file's bytes. Checks: length prefix present,
// header within the file and the cap, a JSON object in valid UTF-8 with no
// repeated keys, each entry exactly {dtype, shape, data_offsets}, known
// dtype, non-negative integer shape, shape x dtype size == byte range, ranges
// inside the data area, not overlapping, and covering it with no gap (the
// spec's "no holes" rule, which safetensors itself enforces), `__metadata__`
// a string -> string object.
SafetensorsHeader parse_safetensors_header(std::span<const uint8_t> file_bytes,
                                           std::string_view name_for_errors);

}  // namespace slimlm::io
