#include "slimlm/compress/tensor_slice.h"

#include <cstring>

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::compress {

Tensor select_rows(const Tensor& t, std::span<const int64_t> rows) {
  if (t.ndim() != 1 && t.ndim() != 2) throw Error("select_rows: 1-d or 2-d tensors only, got " + t.describe());
  const int64_t n = t.dim(0), width = t.ndim() == 2 ? t.dim(1) : 1;
  const size_t row_bytes = dtype_bytes(t.dtype(), static_cast<uint64_t>(width));
  Shape shape = t.shape();
  shape[0] = static_cast<int64_t>(rows.size());
  Tensor out = Tensor::empty(t.dtype(), shape);
  const auto* src = static_cast<const uint8_t*>(t.raw_data());
  auto* dst = static_cast<uint8_t*>(out.mutable_raw_data());
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= n) throw Error(fmt::format("select_rows: row {} of {}", rows[i], t.describe()));
    std::memcpy(dst + i * row_bytes, src + static_cast<size_t>(rows[i]) * row_bytes, row_bytes);
  }
  return out;
}

Tensor select_cols(const Tensor& t, std::span<const int64_t> cols) {
  if (t.ndim() != 2) throw Error("select_cols: 2-d tensors only, got " + t.describe());
  const int64_t R = t.dim(0), C = t.dim(1);
  const size_t e = dtype_bytes(t.dtype(), 1);
  for (int64_t c : cols) {
    if (c < 0 || c >= C) throw Error(fmt::format("select_cols: column {} of {}", c, t.describe()));
  }
  const auto K = static_cast<int64_t>(cols.size());
  Tensor out = Tensor::empty(t.dtype(), {R, K});
  const auto* src = static_cast<const uint8_t*>(t.raw_data());
  auto* dst = static_cast<uint8_t*>(out.mutable_raw_data());
  for (int64_t r = 0; r < R; ++r) {
    for (int64_t j = 0; j < K; ++j) {
      std::memcpy(dst + (r * K + j) * e, src + (r * C + cols[static_cast<size_t>(j)]) * e, e);
    }
  }
  return out;
}

std::vector<int64_t> expand_blocks(std::span<const int64_t> blocks, int64_t width) {
  std::vector<int64_t> out;
  out.reserve(blocks.size() * static_cast<size_t>(width));
  for (int64_t b : blocks) {
    for (int64_t i = 0; i < width; ++i) out.push_back(b * width + i);
  }
  return out;
}

}  // namespace slimlm::compress
