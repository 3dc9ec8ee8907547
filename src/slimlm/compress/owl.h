#pragma once
// OWL, Outlier-Weighed Layerwise sparsity (Yin et al., "Outlier Weighed
// Layerwise Sparsity: A Missing Secret Sauce for Pruning LLMs to High
// Sparsity", ICML 2024): layers with more outlier features keep more of
// their weights. As the reference code (luuyin/OWL):
//   D_l  = the share of layer l's Wanda scores |W_ij|·‖X_j‖₂ (all its
//          Linears together, on the unpruned model) above M times their mean;
//   r_l  = (D_l − min D) / (max D − min D) · 2λ, shifted so that the
//          density 1 − S_l = r_l − mean(r) + (1 − S) averages to 1 − S;
// so every layer's sparsity lies within S ± λ and the mean is the target.
#include <cstdint>
#include <string>
#include <vector>

#include "slimlm/calib/layer_pass.h"

namespace slimlm::compress {

struct OwlOptions {
  double lambda = 0.08;  // largest departure from the target sparsity
  double m = 5.0;        // outlier threshold, in means of the layer's scores
};

// Collects D_l for every layer; changes no weight.
class OutlierRatioPass final : public calib::LayerPass {
 public:
  explicit OutlierRatioPass(double m) : m_(m) {}
  std::string name() const override { return "owl-outliers"; }
  calib::PassMode mode() const override { return calib::PassMode::kWholeLayer; }
  calib::StatsRequest request(calib::Stage stage) const override;
  void compress_layer(calib::LayerContext& ctx,
                      std::array<calib::InputStats, calib::kNumStages>& stats) override;
  const std::vector<double>& ratios() const { return ratios_; }

 private:
  double m_;
  std::vector<double> ratios_;
};

// The share of scores above m · mean(scores).
double outlier_ratio(const std::vector<float>& scores, double m);

// Per-layer sparsity from the outlier ratios D_l for a mean target sparsity.
std::vector<double> owl_sparsity(const std::vector<double>& outlier_ratios, double target, double lambda);

}  // namespace slimlm::compress
