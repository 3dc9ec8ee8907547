#pragma once
// Activation-based importance of heads and MLP channels, collected by a
// pass of the calibration pipeline (calib/layer_pass.h) that changes no
// weight: per layer, the query heads' and the channels' scores of
// structured_heads.h / structured_channels.h from the squared norms of
// o_proj's and down_proj's inputs on the calibration tokens.
#include <array>
#include <string>
#include <vector>

#include "slimlm/calib/layer_pass.h"

namespace slimlm::compress {

class StructuredImportancePass final : public calib::LayerPass {
 public:
  StructuredImportancePass(bool heads, bool channels) : heads_(heads), channels_(channels) {}
  std::string name() const override { return "structured-importance"; }
  calib::PassMode mode() const override { return calib::PassMode::kWholeLayer; }
  calib::StatsRequest request(calib::Stage stage) const override;
  void compress_layer(calib::LayerContext& ctx,
                      std::array<calib::InputStats, calib::kNumStages>& stats) override;

  // Per layer: [H] query head scores, [F] channel scores (empty when not asked).
  const std::vector<std::vector<double>>& head_scores() const { return heads_scores_; }
  const std::vector<std::vector<double>>& channel_scores() const { return channel_scores_; }

 private:
  bool heads_, channels_;
  std::vector<std::vector<double>> heads_scores_, channel_scores_;
};

}  // namespace slimlm::compress
