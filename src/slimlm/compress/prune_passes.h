#pragma once
// Wanda and SparseGPT as passes of the calibration pipeline
// (calib/layer_pass.h). Both see the whole layer at once with every
// stage's input computed by the layer as it came in (kWholeLayer), as
// locuslab/wanda's prune_wanda and prune_sparsegpt collect them with hooks
// on the unpruned layer; the pipeline then feeds the pruned layer's output
// to the next layer, as they do. A per-layer sparsity (OWL, owl.h) replaces
// an unstructured pattern's ratio layer by layer.
#include <optional>
#include <string>
#include <vector>

#include "slimlm/calib/layer_pass.h"
#include "slimlm/compress/nm_mask.h"

namespace slimlm::compress {

class WandaPass final : public calib::LayerPass {
 public:
  explicit WandaPass(SparsityPattern pattern, std::vector<double> layer_sparsity = {})
      : pattern_(pattern), layer_sparsity_(std::move(layer_sparsity)) {}
  std::string name() const override { return "wanda"; }
  calib::PassMode mode() const override { return calib::PassMode::kWholeLayer; }
  calib::StatsRequest request(calib::Stage) const override;
  void compress_layer(calib::LayerContext& ctx,
                      std::array<calib::InputStats, calib::kNumStages>& stats) override;

 private:
  SparsityPattern pattern_;
  std::vector<double> layer_sparsity_;
};

class SparseGptPass final : public calib::LayerPass {
 public:
  SparseGptPass(SparsityPattern pattern, int64_t block_size, double damp, std::vector<double> layer_sparsity = {},
                std::optional<quant::QuantFormat> quantize = std::nullopt)
      : pattern_(pattern),
        block_size_(block_size),
        damp_(damp),
        layer_sparsity_(std::move(layer_sparsity)),
        quantize_(quantize) {}
  std::string name() const override { return "sparsegpt"; }
  calib::PassMode mode() const override { return calib::PassMode::kWholeLayer; }
  calib::StatsRequest request(calib::Stage) const override;
  void compress_layer(calib::LayerContext& ctx,
                      std::array<calib::InputStats, calib::kNumStages>& stats) override;

 private:
  SparsityPattern pattern_;
  int64_t block_size_;
  double damp_;
  std::vector<double> layer_sparsity_;
  std::optional<quant::QuantFormat> quantize_;  // joint quantization (sparsegpt.h)
};

// `pattern`, or unstructured at layer_sparsity[layer] when given.
SparsityPattern layer_pattern(const SparsityPattern& pattern, const std::vector<double>& layer_sparsity,
                              int64_t layer);

}  // namespace slimlm::compress
