// libFuzzer target: arbitrary bytes as a whole safetensors file. The parser
// may only reject them with slimlm::Error (any other exception, a crash or a
// sanitizer report fails the run), its messages must stay on one line, and
// whatever it accepts must describe ranges that really lie inside the input.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

#include "slimlm/core/error.h"
#include "slimlm/core/tensor.h"
#include "slimlm/io/safetensors_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace slimlm;
  try {
    const io::SafetensorsHeader h = io::parse_safetensors_header(std::span(data, size), "fuzz-input");
    if (h.data_offset + h.data_bytes != size) __builtin_trap();
    uint64_t covered = 0;
    for (const auto& t : h.tensors) {
      if (t.begin > t.end || h.data_offset + t.end > size) __builtin_trap();
      if (dtype_bytes(t.dtype, shape_numel(t.shape)) != t.nbytes()) __builtin_trap();
      covered += t.nbytes();
      // Touch the first and last byte, as a reader would: ASan checks the range.
      if (t.nbytes()) {
        volatile uint8_t sink = data[h.data_offset + t.begin];
        sink = data[h.data_offset + t.end - 1];
        (void)sink;
      }
    }
    if (covered != h.data_bytes) __builtin_trap();  // no holes, no overlaps
  } catch (const Error& e) {
    if (std::strchr(e.what(), '\n') != nullptr) __builtin_trap();
  }
  return 0;
}
