#pragma once
// The cheap proxy that decides which candidates of a study deserve a full
// evaluation. From the per-layer sensitivity table (sensitivity.h) and the
// original's checkpoint it predicts, without compressing anything:
//
// - quality, by an ADDITIVE model: the predicted KL divergence of a pipeline
//   is the sum over layers of the sensitivity of what that layer gets (its
//   quantization format, its prune, or its removal; a layer that is pruned
//   and quantized gets both terms). Formats or sparsities that were not
//   measured are estimated from the nearest measured one: quantization noise
//   power scales as 4^-bits, so s(b) = s(b0) * 4^(b0 - b) (log-linear
//   between two measured formats); pruning error as the square of the
//   sparsity, s(p) = s(p0) * (p / p0)^2; a structured prune of a fraction r
//   of heads or channels as r times the layer's removal ("drop") sensitivity
//   times the share of the block it touches. Interactions between layers
//   are ignored — that is what the full evaluations correct, and the study
//   reports how well this ranks candidates (Spearman rho).
// - bytes, from the pipeline: each Linear's storage in its format
//   (quant::storage_bytes), dropped layers' and removed heads' / channels'
//   tensors gone, 2:4 sparse storage at half the values plus a bitmask, the
//   other tensors as they are, plus the safetensors header.
// - the other metrics from those two: perplexity = original * exp(KLD), the
//   perplexity ratio exp(KLD) (first order), accuracies original * exp(-KLD)
//   (a monotone stand-in), speed proportional to 1 / bytes, memory, energy
//   and time proportional to bytes; metrics it cannot relate keep the
//   original's value.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "slimlm/compress/pipeline.h"
#include "slimlm/core/dtype.h"
#include "slimlm/io/model_config.h"
#include "slimlm/registry/records.h"
#include "slimlm/search/constraints.h"
#include "slimlm/search/objective.h"
#include "slimlm/search/pareto.h"
#include "slimlm/search/sensitivity.h"

namespace slimlm::search {

// One tensor of the original checkpoint, as the byte prediction sees it.
struct CheckpointTensor {
  std::string name;
  std::vector<int64_t> shape;
  DType dtype = DType::kBF16;
  uint64_t bytes = 0;
};

// The tensors of a checkpoint folder (every shard), from the headers only.
std::vector<CheckpointTensor> read_checkpoint_tensors(const std::filesystem::path& model_dir);

struct ProxyPrediction {
  double kld = 0;                 // the additive sum
  std::vector<double> layer_kld;  // each original layer's term
  uint64_t file_bytes = 0;        // *.safetensors of the compressed checkpoint
  double element_ratio = 1;       // weights kept / weights of the original (structured removal)
  int64_t layers_kept = 0;
};

class Proxy {
 public:
  // `original` holds the original model's measured metrics (the baseline run).
  Proxy(SensitivityTable sensitivity, io::ModelConfig model, std::vector<CheckpointTensor> tensors,
        MetricValues original);

  // ConfigError for a pipeline parse_pipeline rejects.
  ProxyPrediction predict(const std::vector<compress::PipelineStep>& steps) const;

  // The original's metrics with every metric the proxy can relate replaced
  // by its prediction (see the banner).
  MetricValues predicted_metrics(const ProxyPrediction& p) const;

  // The predicted value of each objective, in the metric's own direction.
  std::vector<double> objectives(const ProxyPrediction& p, std::span<const Objective> objectives) const;

  const SensitivityTable& sensitivity() const { return sensitivity_; }
  // Bytes of the original's *.safetensors as predicted for the empty
  // pipeline (the tests compare it with the file).
  uint64_t original_bytes() const { return original_bytes_; }

 private:
  double quant_term(quant::QuantFormat f, int64_t layer) const;
  double prune_term(const std::string& method, double sparsity, const std::string& pattern, int64_t layer) const;
  double drop_term(int64_t layer) const;

  SensitivityTable sensitivity_;
  std::vector<SensitivityVariant> variants_;  // parsed names of sensitivity_.variants
  io::ModelConfig model_;
  std::vector<CheckpointTensor> tensors_;
  MetricValues original_;
  uint64_t original_bytes_ = 0;
};

// Candidates best first by predicted objectives (minimisation form) and
// predicted violations: constrained non-dominated sort, then crowding
// distance (descending) within a front, then the given order — NSGA-II's
// survival order, so the best `population` are those on or nearest the
// predicted frontier, spread along it.
std::vector<size_t> rank_by_prediction(std::span<const Point> points, std::span<const double> violations);

// Spearman's rank correlation (Pearson's r of the ranks, ties given their
// mean rank). NaN for fewer than 2 pairs, or when either side is constant.
double spearman_rho(std::span<const double> x, std::span<const double> y);

// How well the proxy ranked what was then measured: for each objective,
// spearman_rho of the predicted and the measured values over the complete
// trials that have both (finite). In objective order.
std::vector<std::pair<std::string, double>> proxy_rank_correlation(std::span<const registry::TrialRecord> trials,
                                                                   std::span<const Objective> objectives);

}  // namespace slimlm::search
