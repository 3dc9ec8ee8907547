#pragma once
// A linear layer y = x · Wᵀ (+ b), weights stored out × in like PyTorch's
// nn.Linear. The forward pass only sees this interface, so a layer can be
// dense (dense_linear.h) or, in later issues, quantized or sparse.
#include <cstdint>
#include <string_view>

namespace slimlm::model {

class Linear {
 public:
  virtual ~Linear() = default;

  virtual int64_t in_features() const = 0;
  virtual int64_t out_features() const = 0;

  // y[M, out] = x[M, in] · Wᵀ (+ bias), f32 row-major, on all threads
  // (core/threads.h). x and y must not overlap.
  virtual void forward(const float* x, int64_t M, float* y) const = 0;

  // Bytes held for compute (weights and bias), and parameters as the dense
  // layer counts them.
  virtual uint64_t weight_bytes() const = 0;
  virtual uint64_t parameter_count() const = 0;

  // Short, stable name of the implementation ("dense").
  virtual std::string_view kind() const = 0;
};

}  // namespace slimlm::model
