#pragma once
// 2:4 sparse checkpoints in compressed-tensors' "sparse-24-bitmask" form,
// the one llm-compressor writes for SparseGPT / Wanda 2:4 models and vLLM
// reads. config.json carries
//   "quantization_config": {
//     "quant_method": "compressed-tensors",
//     "sparsity_config": {"format": "sparse-24-bitmask", "sparsity_structure": "2:4",
//                         "targets": ["Linear"], "ignore": ["lm_head", ...],
//                         "global_sparsity": 0.43, ...}}
// and each sparse Linear module M is stored as
//   M.shape       I64 [2, 1]               the dense (rows, cols)
//   M.compressed  [rows, cols / 2]         the kept values, row-major, in the
//                                          checkpoint's float dtype
//   M.bitmask     U8 [rows, ceil(cols/8)]  one bit per weight (numpy packbits,
//                                          little bit order): which are kept
// with exactly two bits set in every group of 4 (a group with fewer
// non-zeros keeps a zero). Modules stored dense (lm_head, ignored layers)
// keep M.weight. The loader (weight_loader.cpp) builds a SparseLinear
// (sparse_linear.h) from them; the bitmask becomes the 2-bit positions of
// kernels/cpu/sparse24.h.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/core/tensor.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/io/safetensors_writer.h"

namespace slimlm::model {

inline constexpr std::string_view kSparse24Bitmask = "sparse-24-bitmask";

// The kept values (f32) and positions of one 2:4 weight, as the kernels
// lay them out.
struct Sparse24Weight {
  Tensor values;   // f32 [rows, cols / 2]
  Tensor indices;  // u8 [rows, sparse24_index_bytes(cols)]
  int64_t cols = 0;
};

// The on-disk tensors of module `module` for a dense 2:4 weight (f32, f16
// or bf16 [rows, cols]); values keep the weight's dtype. Throws
// FormatError naming the module when the weight is not 2:4 sparse or
// cols % 4 != 0.
io::NamedTensors sparse24_to_disk(std::string_view module, const Tensor& dense);

// The config.json "sparsity_config" object.
nlohmann::ordered_json sparse24_config_json(const std::vector<std::string>& ignore, double global_sparsity);

// Whether `name` is one of the tensors a sparse-24-bitmask module adds.
bool is_sparse24_tensor_name(std::string_view name);

// The loader's view of a sparse-24-bitmask checkpoint.
class SparseWeights {
 public:
  // Null when config.json has no sparsity_config or a "dense" one. Throws
  // UnsupportedError for a sparsity format slimlm cannot read (naming it),
  // FormatError for a malformed one.
  static std::unique_ptr<SparseWeights> open(const io::Checkpoint& checkpoint);

  explicit SparseWeights(const io::Checkpoint& checkpoint) : checkpoint_(checkpoint) {}

  // Whether weight `name` ("model.layers.0.mlp.up_proj.weight") is stored
  // compressed (its module's .compressed tensor exists).
  bool holds(std::string_view name) const;
  // Reads and checks the compressed tensors of `name` against the dense
  // [out, in] shape the config implies (FormatError naming the tensor).
  void check(std::string_view name, const Shape& expected);
  // The checked weight (check() first), moved out.
  Sparse24Weight take(std::string_view name);
  // Whether a checkpoint tensor belongs to some compressed weight.
  bool owns(std::string_view tensor_name) const;

 private:
  const io::Checkpoint& checkpoint_;
  std::map<std::string, Sparse24Weight, std::less<>> checked_;
};

}  // namespace slimlm::model
