#include "slimlm/compress/structured_importance.h"

#include "slimlm/compress/structured_channels.h"
#include "slimlm/compress/structured_heads.h"

namespace slimlm::compress {

calib::StatsRequest StructuredImportancePass::request(calib::Stage stage) const {
  calib::StatsRequest r;
  r.sq_sum = (heads_ && stage == calib::Stage::kAttnOut) || (channels_ && stage == calib::Stage::kMlpOut);
  return r;
}

void StructuredImportancePass::compress_layer(calib::LayerContext& ctx,
                                              std::array<calib::InputStats, calib::kNumStages>& stats) {
  const io::ModelConfig& c = ctx.runner.config();
  const size_t l = static_cast<size_t>(ctx.layer);
  if (heads_scores_.size() <= l) heads_scores_.resize(l + 1);
  if (channel_scores_.size() <= l) channel_scores_.resize(l + 1);
  if (heads_) {
    heads_scores_[l] = query_head_activation(ctx.original.w(model::Proj::kO),
                                             stats[calib::index_of(calib::Stage::kAttnOut)].sq_sum, c);
  }
  if (channels_) {
    channel_scores_[l] = channel_activation(ctx.original.w(model::Proj::kDown),
                                            stats[calib::index_of(calib::Stage::kMlpOut)].sq_sum);
  }
}

}  // namespace slimlm::compress
