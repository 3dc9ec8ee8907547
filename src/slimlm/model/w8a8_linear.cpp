#include "slimlm/model/w8a8_linear.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "slimlm/core/error.h"
#include "slimlm/kernels/cpu/int8_gemm.h"
#include "slimlm/quant/pack.h"

namespace slimlm::model {

W8A8Linear::W8A8Linear(const quant::QuantizedTensor& w, Tensor bias)
    : out_(w.rows), in_(w.cols), bias_(std::move(bias)) {
  const quant::FormatTraits& t = w.traits();
  if (t.bits != 8 || !t.symmetric || !t.per_channel() || w.has_perm()) {
    throw FormatError(fmt::format("W8A8Linear needs int8 per-channel symmetric weights, not {}", t.name));
  }
  const quant::UnpackedQuant u = quant::unpack(w);
  q_.resize(u.codes.size());
  for (size_t i = 0; i < q_.size(); ++i) {
    if (u.codes[i] == 0) throw FormatError("W8A8Linear: weight code -128 (symmetric int8 stops at -127)");
    q_[i] = static_cast<int8_t>(static_cast<int>(u.codes[i]) - 128);
  }
  scale_ = u.scales;
  sums_.resize(static_cast<size_t>(out_));
  kernels::int8_row_sums(q_.data(), out_, in_, sums_.data());
  if (bias_.numel() > 0 && (bias_.dtype() != DType::kF32 || bias_.ndim() != 1 || bias_.dim(0) != out_)) {
    throw Error(fmt::format("W8A8Linear bias must be f32 [{}], got {}", out_, bias_.describe()));
  }
}

void W8A8Linear::forward(const float* x, int64_t M, float* y) const {
  std::vector<int8_t> qx(static_cast<size_t>(M * in_));
  std::vector<float> sx(static_cast<size_t>(M));
  kernels::quantize_rows_int8(x, M, in_, qx.data(), sx.data());
  kernels::int8_gemm(qx.data(), sx.data(), q_.data(), scale_.data(), sums_.data(), y, M, out_, in_);
  if (bias_.numel() == 0) return;
  const float* b = bias_.data<float>();
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < out_; ++n) y[m * out_ + n] += b[n];
  }
}

uint64_t W8A8Linear::weight_bytes() const {
  return q_.size() + scale_.size() * sizeof(float) + sums_.size() * sizeof(int32_t) + bias_.nbytes();
}

uint64_t W8A8Linear::parameter_count() const { return static_cast<uint64_t>(out_ * in_) + bias_.numel(); }

quant::QuantizedTensor quantize_int8_per_channel(const Tensor& w) {
  if (w.dtype() != DType::kF32 || w.ndim() != 2) {
    throw Error("quantize_int8_per_channel needs an f32 [out, in] weight, got " + w.describe());
  }
  const int64_t rows = w.dim(0), cols = w.dim(1);
  quant::UnpackedQuant u;
  u.format = quant::QuantFormat::kInt8;
  u.rows = rows;
  u.cols = cols;
  u.codes.resize(static_cast<size_t>(rows * cols));
  u.scales.assign(static_cast<size_t>(rows), 0.0f);
  std::vector<float> scales(static_cast<size_t>(rows));
  const float* d = w.data<float>();
  for (int64_t r = 0; r < rows; ++r) {
    float amax = 0.0f;
    for (int64_t c = 0; c < cols; ++c) amax = std::max(amax, std::fabs(d[r * cols + c]));
    const float s = std::max(amax, 1e-5f) / 127.0f;
    scales[static_cast<size_t>(r)] = s;
    for (int64_t c = 0; c < cols; ++c) {
      const float q = std::clamp(std::nearbyint(d[r * cols + c] / s), -127.0f, 127.0f);
      u.codes[static_cast<size_t>(r * cols + c)] = static_cast<uint8_t>(static_cast<int>(q) + 128);
    }
  }
  // pack() wants the format's f16 scales; the W8A8 scales stay f32.
  quant::QuantizedTensor q = quant::pack(u);
  q.scales = Tensor::empty(DType::kF32, {rows, 1});
  std::copy(scales.begin(), scales.end(), q.scales.mutable_data<float>());
  return q;
}

}  // namespace slimlm::model
