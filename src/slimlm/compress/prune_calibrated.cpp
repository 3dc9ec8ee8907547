#include "slimlm/compress/prune_calibrated.h"

#include <fstream>
#include <memory>
#include <sstream>

#include <fmt/format.h>

#include "slimlm/calib/calibration_set.h"
#include "slimlm/calib/pipeline.h"
#include "slimlm/compress/owl.h"
#include "slimlm/compress/prune_passes.h"
#include "slimlm/core/error.h"
#include "slimlm/core/timer.h"
#include "slimlm/io/text_file.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::compress {
using Json = nlohmann::ordered_json;

namespace {

Tensor to_f32_owned(const Tensor& t) { return t.dtype() == DType::kF32 ? t.clone() : t.to(DType::kF32); }

}  // namespace

Json run_calibrated_pruning(const CalibratedPruning& job, const PrunedSink& sink, double* calibration_seconds) {
  const PruneOptions& opt = job.opt;
  const Timer timer;
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::from_file(job.in.dir);
  std::string text;
  try {
    text = io::read_text_file(opt.calib.file);
  } catch (const IoError& e) {
    throw IoError(fmt::format("--calib {}", e.what()));  // name the flag
  }
  calib::CalibrationOptions co;
  co.samples = opt.calib.samples;
  co.seq_len = opt.calib.seq_len;
  co.seed = opt.calib.seed;
  const calib::CalibrationSet set = calib::calibration_set_from_text(tok, text, co, opt.calib.file);
  if (calibration_seconds) *calibration_seconds = timer.seconds();

  Json owl = nullptr;
  std::vector<double> layer_sparsity;
  if (opt.owl) {
    // The outliers of the unpruned model, as the reference measures them.
    OutlierRatioPass outliers(opt.owl_options.m);
    calib::run_pipeline(job.in.checkpoint, job.in.config, set, outliers, {});
    layer_sparsity = owl_sparsity(outliers.ratios(), opt.pattern.ratio, opt.owl_options.lambda);
    owl = {{"lambda", opt.owl_options.lambda}, {"m", opt.owl_options.m},
           {"outlier_ratios", outliers.ratios()}, {"layer_sparsity", layer_sparsity}};
  }
  std::unique_ptr<calib::LayerPass> pass;
  if (opt.method == PruneMethod::kWanda) {
    pass = std::make_unique<WandaPass>(opt.pattern, layer_sparsity);
  } else {
    pass = std::make_unique<SparseGptPass>(opt.pattern, opt.block_size, opt.damp, layer_sparsity, opt.quantize);
  }
  Json layers = Json::array();
  calib::PipelineOptions po;
  po.on_layer = [&](int64_t layer, calib::LayerState& st) {
    for (model::Proj p : model::kAllProjs) {
      const model::WeightSlot slot = model::weight_slot(p);
      for (const LinearWeight& l : job.linears) {
        if (l.layer != layer || l.slot != slot) continue;
        const auto& q = st.result.proj(p).quantized;
        sink(l, to_f32_owned(job.in.checkpoint.tensor(l.name)), st.tensors.w(p),
             layer_pattern(opt.pattern, layer_sparsity, layer), q ? &*q : nullptr);
      }
    }
    layers.push_back({{"layer", layer},
                      {"output_rel_error", st.result.output_rel_error},
                      {"seconds", st.result.seconds}});
  };
  calib::run_pipeline(job.in.checkpoint, job.in.config, set, *pass, po);

  Json j;
  j["file"] = opt.calib.file;
  j["samples"] = set.samples;
  j["seq_len"] = set.seq_len;
  j["seed"] = set.seed;
  j["stream_tokens"] = set.stream_tokens;
  j["layers"] = layers;
  j["owl"] = owl;
  return j;
}

}  // namespace slimlm::compress
