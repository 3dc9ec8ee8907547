#pragma once
// KL divergence of a model from its base on the same tokens and scored
// positions (llama-perplexity --kl-divergence): per position
// KL(base ‖ model) = Σ p_base (log p_base − log p_model), then the mean ± its
// standard error, percentiles, top-1 agreement and both perplexities.
#include <cstdint>
#include <span>
#include <vector>

#include "slimlm/eval/logprob.h"
#include "slimlm/eval/perplexity.h"

namespace slimlm::eval {

struct KldSummary {
  uint64_t tokens = 0;  // scored positions

  double kld_mean = 0.0, kld_unc = 0.0;
  double kld_min = 0.0, kld_p01 = 0.0, kld_p10 = 0.0, kld_median = 0.0, kld_p90 = 0.0,
         kld_p95 = 0.0, kld_p99 = 0.0, kld_p999 = 0.0, kld_max = 0.0;

  double top1 = 0.0, top1_unc = 0.0;  // fraction of positions with the same argmax

  double ppl_model = 0.0, ppl_model_unc = 0.0;
  double ppl_base = 0.0, ppl_base_unc = 0.0;
  double ppl_correlation = 0.0;        // of the per-token ln p under the two models
  double ln_ppl_ratio = 0.0, ln_ppl_ratio_unc = 0.0;
  double ppl_ratio = 0.0, ppl_ratio_unc = 0.0;  // PPL(model) / PPL(base)

  // Δp = p_model(target) − p_base(target).
  double dp_mean = 0.0, dp_mean_unc = 0.0;
  double dp_rms = 0.0, dp_rms_unc = 0.0;
};

// Running sums over scored positions (pure; unit-tested on hand-made rows).
class KldAccumulator {
 public:
  void add(const KlRow& r);
  uint64_t count() const { return count_; }
  KldSummary summary() const;

 private:
  double nll_ = 0, nll2_ = 0, nll_base_ = 0, nll_base2_ = 0, nll_nll_base_ = 0;
  double kld_ = 0, kld2_ = 0;
  double dp_ = 0, dp2_ = 0, dp4_ = 0;
  uint64_t same_top_ = 0;
  uint64_t count_ = 0;
  std::vector<float> kl_values_;
};

struct KldResult {
  PplProtocol protocol = PplProtocol::kLlamaCpp;
  int64_t ctx = 0;
  int64_t chunks = 0;
  int64_t chunks_total = 0;
  uint64_t tokens = 0;  // tokens in the protocol's stream
  KldSummary stats;
  double seconds = 0.0;
};

// Runs both models on the same windows (opts as for perplexity) and compares
// their logits at the protocol's scored positions.
KldResult evaluate_kld(const ScoreFn& base, const ScoreFn& model, std::span<const int32_t> tokens,
                       const PerplexityOptions& opts);

}  // namespace slimlm::eval
