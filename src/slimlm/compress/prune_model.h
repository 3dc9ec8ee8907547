#pragma once
// Unstructured and N:M pruning of a checkpoint folder into a new one:
// `slimlm prune MODEL -o OUT --method magnitude|wanda|sparsegpt
// (--sparsity R | --pattern N:M)`.
//
// Which weights: the q/k/v/o and gate/up/down projections of every decoder
// layer (embeddings, norms and lm_head stay, as in the reference code).
// Magnitude needs the weights alone; Wanda and SparseGPT run the
// calibration pipeline (calib/pipeline.h) layer by layer, each layer seeing
// the output of the layers before it already pruned.
//
// Output: the checkpoint in its own dtype with the pruned weights zero
// (default, loads anywhere, and `slimlm quantize` with RTN keeps the zeros;
// GPTQ's updates would fill them in: quantize jointly with SparseGPT
// instead), or with 2:4 weights in compressed-tensors' sparse-24-bitmask
// form (model/sparse_weights.h, `--storage sparse24`), which slimlm runs
// through its 2:4 kernels, or pack-quantized after SparseGPT's joint
// quantization. recipe.json records the method, pattern, calibration and
// per-tensor sparsity. Every pruned tensor is checked, as stored, to have
// its pattern exactly; a failure is a bug and throws Error.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/compress/nm_mask.h"
#include "slimlm/compress/owl.h"
#include "slimlm/quant/format.h"

namespace slimlm::compress {

enum class PruneMethod : uint8_t { kMagnitude = 0, kWanda = 1, kSparseGpt = 2 };
std::string_view to_string(PruneMethod m);
std::optional<PruneMethod> prune_method_from_string(std::string_view s);

enum class SparseStorage : uint8_t { kDense = 0, kSparse24 = 1 };
std::string_view to_string(SparseStorage s);
std::optional<SparseStorage> sparse_storage_from_string(std::string_view s);

struct CalibrationSource {
  std::string file;  // a text file; required by wanda and sparsegpt
  int64_t samples = 128;
  int64_t seq_len = 512;
  uint64_t seed = 0;
};

struct PruneOptions {
  PruneMethod method = PruneMethod::kMagnitude;
  SparsityPattern pattern = SparsityPattern::unstructured(0.5);
  // Magnitude's unstructured scope (Wanda always compares within a row,
  // SparseGPT within blocks of 128 columns).
  MaskScope magnitude_scope = MaskScope::kPerTensor;
  SparseStorage storage = SparseStorage::kDense;
  CalibrationSource calib;
  // SparseGPT: columns per lazy-update block (and mask selection window),
  // and the Hessian dampening as a fraction of its mean diagonal.
  int64_t block_size = 128;
  double damp = 0.01;
  // OWL's per-layer sparsity around the unstructured target (owl.h): Wanda
  // and SparseGPT only.
  bool owl = false;
  OwlOptions owl_options;
  // SparseGPT only: quantize the kept weights in the same pass (joint
  // sparsification and quantization, sparsegpt.h); the output stores them
  // pack-quantized (compressed-tensors) with the pruned ones at code 0.
  std::optional<quant::QuantFormat> quantize;
  nlohmann::ordered_json recipe_extra = nlohmann::ordered_json::object();  // e.g. the command line
  // Called after each pruned tensor with (tensors done, total).
  std::function<void(int64_t, int64_t)> progress;
};

struct PrunedTensor {
  std::string name;
  std::string type;  // "q_proj" ...
  int64_t layer = 0;
  int64_t rows = 0, cols = 0;
  int64_t zeros = 0;            // as stored
  double target = 0;            // the sparsity asked of this tensor
  double relative_error = 0;    // Σ(w' − w)² / Σ w²
  double sparsity() const { return rows * cols > 0 ? static_cast<double>(zeros) / static_cast<double>(rows * cols) : 0.0; }
};

struct PruneReport {
  std::vector<PrunedTensor> tensors;
  uint64_t params_total = 0;
  uint64_t params_pruned_linears = 0, zeros_pruned_linears = 0;
  uint64_t bytes_before = 0, bytes_after = 0;  // all tensors as stored
  double seconds = 0;
  double calibration_seconds = 0;  // tokenizing and sampling the calibration text
  // Zeros / weights per tensor type, in layer order of first appearance.
  std::vector<std::pair<std::string, std::pair<uint64_t, uint64_t>>> by_type() const;
  double sparsity_linears() const;
  double sparsity_all() const;  // zeros of the pruned tensors over every parameter
};

// Throws ConfigError for bad options (a pattern a tensor cannot take,
// --storage sparse24 without a 2:4 pattern, wanda / sparsegpt without a
// calibration file) and the errors of open_prune_input, all before any
// work; then the errors of reading, calibrating and writing.
PruneReport prune_model(const std::filesystem::path& input, const std::filesystem::path& output,
                        const PruneOptions& options);

}  // namespace slimlm::compress
