#include "slimlm/compress/pipeline.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <numeric>
#include <system_error>

#include "slimlm/compress/calibrated_quantize.h"
#include "slimlm/compress/prune_model.h"
#include "slimlm/compress/prune_structured.h"
#include "slimlm/core/error.h"
#include "slimlm/core/timer.h"
#include "slimlm/io/atomic_dir.h"
#include "slimlm/io/atomic_file.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/io/scoped_dir.h"
#include "slimlm/model/quantize_model.h"

namespace slimlm::compress {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

namespace {

uint64_t safetensors_bytes(const fs::path& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".safetensors") total += e.file_size();
  }
  return total;
}

// The original model as a recipe: the files hard-linked where the
// filesystem allows (every slimlm writer replaces files by rename, so a link
// is never written through), else copied.
void copy_model(const fs::path& input, const fs::path& output) {
  io::AtomicDir dir(output);
  bool has_recipe = false;
  for (const auto& e : fs::directory_iterator(input)) {
    if (!e.is_regular_file()) continue;
    const fs::path dst = dir.path() / e.path().filename();
    has_recipe = has_recipe || e.path().filename() == "recipe.json";
    std::error_code ec;
    fs::create_hard_link(e.path(), dst, ec);
    if (ec) fs::copy_file(e.path(), dst);
  }
  if (!has_recipe) {
    const Json recipe = {{"method", "pipeline"}, {"pipeline", Json::array()}, {"summary", "original"}};
    io::write_text_atomic(dir.path() / "recipe.json", recipe.dump(2) + "\n");
  }
  dir.commit();
}

struct StepContext {
  const PipelineOptions& options;
  Json recipe_extra;
  // Current layer index -> layer index of the pipeline's input (per-layer
  // formats name the input's layers; drop_layers renumbers).
  std::vector<int64_t>& layer_map;
};

CalibrationSource calibration(const PipelineOptions& o) {
  return CalibrationSource{o.calib_text.string(), o.calib_samples, o.calib_seq_len, o.calib_seed};
}

Json run_prune(const fs::path& in, const fs::path& out, const StepSpec& s, StepContext& ctx) {
  PruneOptions o = s.prune().options;
  o.calib = calibration(ctx.options);
  o.recipe_extra = ctx.recipe_extra;
  const PruneReport r = prune_model(in, out, o);
  return {{"sparsity_linears", r.sparsity_linears()}, {"tensors", r.tensors.size()},
          {"bytes_before", r.bytes_before}, {"bytes_after", r.bytes_after}};
}

Json run_structured(const fs::path& in, const fs::path& out, const StepSpec& s, StepContext& ctx) {
  const StructuredSpec& st = s.structured();
  StructuredOptions o = st.options;
  const bool use_calib = st.importance == "activation" || st.drop_count > 0 ||
                         (st.importance == "auto" && !ctx.options.calib_text.empty());
  if (use_calib) o.calib = calibration(ctx.options);
  if (st.drop_count > 0) {
    // prune_structured drops round(ratio · L) layers of lowest block influence.
    o.ratio = static_cast<double>(st.drop_count) / static_cast<double>(ctx.layer_map.size());
  }
  o.recipe_extra = ctx.recipe_extra;
  const StructuredReport r = prune_structured(in, out, o);
  if (o.kind == StructuredKind::kLayers) {
    const std::vector<int64_t>& dropped = r.dropped_layers.empty() ? o.drop_layers : r.dropped_layers;
    std::vector<int64_t> kept;
    for (size_t l = 0; l < ctx.layer_map.size(); ++l) {
      if (std::find(dropped.begin(), dropped.end(), static_cast<int64_t>(l)) == dropped.end()) {
        kept.push_back(ctx.layer_map[l]);
      }
    }
    ctx.layer_map = std::move(kept);
  }
  Json d = {{"importance", r.importance},
            {"params_before", r.params_before},
            {"params_after", r.params_after},
            {"bytes_before", r.bytes_before},
            {"bytes_after", r.bytes_after}};
  if (o.kind == StructuredKind::kHeads) d["heads"] = {r.heads_before, r.heads_after};
  if (o.kind == StructuredKind::kChannels) d["intermediate"] = {r.ffn_before, r.ffn_after};
  if (o.kind == StructuredKind::kLayers) d["dropped_layers"] = r.dropped_layers;
  return d;
}

Json run_quantize(const fs::path& in, const fs::path& out, const StepSpec& s, StepContext& ctx) {
  const QuantizeSpec& q = s.quantize();
  // Per-layer formats by the current numbering.
  std::vector<FormatOverride> overrides;
  for (size_t l = 0; l < ctx.layer_map.size(); ++l) {
    const auto it = q.layer_formats.find(ctx.layer_map[l]);
    if (it != q.layer_formats.end()) overrides.push_back({fmt::format("model\\.layers\\.{}\\.", l), it->second});
  }
  if (q.method == "rtn") {
    model::QuantizeOptions o;
    o.format = q.format;
    for (const auto& ov : overrides) o.overrides.push_back({ov.pattern, ov.format});
    o.skip = q.skip;
    // Like the calibrated passes, rtn leaves lm_head alone unless asked, so
    // that methods compare on the same tensors.
    if (!q.lm_head) o.skip.push_back("^lm_head\\.");
    o.rtn.clip.enabled = q.clip;
    o.recipe_extra = ctx.recipe_extra;
    const model::QuantizeReport r = model::quantize_model(in, out, o);
    return {{"params_quantized", r.params_quantized},
            {"bits_per_weight_linear", r.bits_per_weight_linear()},
            {"bytes_before", r.bytes_before},
            {"bytes_after", r.bytes_after}};
  }
  CalibratedOptions c;
  c.method = q.method;
  c.pass.plan = QuantPlan(q.format, std::move(overrides), q.skip);
  c.pass.rtn.clip.enabled = q.clip;
  c.pass.gptq.act_order = q.act_order;
  c.pass.gptq.static_groups = q.static_groups;
  c.pass.gptq.damp = q.damp;
  c.pass.gptq.clip = c.pass.rtn.clip;
  c.pass.smoothquant.alpha = q.alpha;
  c.calib_file = ctx.options.calib_text;
  c.calib.samples = ctx.options.calib_samples;
  c.calib.seq_len = ctx.options.calib_seq_len;
  c.calib.seed = ctx.options.calib_seed;
  c.recipe_extra = ctx.recipe_extra;
  const CalibratedReport r = quantize_calibrated(in, out, c);
  return {{"params_quantized", r.params_quantized},
          {"bits_per_weight_linear", r.bits_per_weight_linear()},
          {"bytes_before", r.bytes_before},
          {"bytes_after", r.bytes_after}};
}

Json read_recipe(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(dir / "recipe.json", ec)) return nullptr;
  try {
    std::ifstream f(dir / "recipe.json");
    return Json::parse(f);
  } catch (const std::exception&) {
    return nullptr;  // a recipe is documentation; an unreadable one is dropped
  }
}

}  // namespace

void validate_pipeline(const std::vector<PipelineStep>& steps) { parse_pipeline(steps); }

void validate_pipeline(const std::vector<PipelineStep>& steps, const io::ModelConfig& model) {
  check_pipeline_shapes(parse_pipeline(steps), model);
}

std::string pipeline_summary(const std::vector<PipelineStep>& steps) {
  std::string s;
  for (const StepSpec& spec : parse_pipeline(steps)) {
    const std::string part = step_summary(spec);
    if (!part.empty()) s += (s.empty() ? "" : " + ") + part;
  }
  return s.empty() ? "original" : s;
}

Json pipeline_to_json(const std::vector<PipelineStep>& steps) {
  Json j = Json::array();
  for (const auto& s : steps) j.push_back(Json{{s.op, s.params.is_null() ? Json::object() : s.params}});
  return j;
}

std::vector<PipelineStep> pipeline_from_json(const Json& j) {
  if (!j.is_array()) throw ConfigError(fmt::format("a pipeline is a list of steps, got {}", j.type_name()));
  std::vector<PipelineStep> steps;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_object() || j[i].size() != 1) {
      throw ConfigError(fmt::format("pipeline step {}: expected a mapping with one op, e.g. {{\"quantize\": {{...}}}}, "
                                    "got {}", i + 1, j[i].dump()));
    }
    steps.push_back(PipelineStep{j[i].begin().key(), j[i].begin().value()});
  }
  return steps;
}

PipelineReport run_pipeline(const fs::path& input, const fs::path& output, const std::vector<PipelineStep>& steps,
                            const PipelineOptions& options) {
  Timer timer;
  // Everything that can be known without the weights, before any work.
  const std::vector<StepSpec> specs = parse_pipeline(steps);
  const io::ModelConfig config = io::load_hf_config(input / "config.json");
  check_pipeline_shapes(specs, config);
  io::check_output_folder(input, output, "output");
  std::vector<size_t> working;
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].noop) continue;
    working.push_back(i);
    if (specs[i].needs_calibration()) {
      std::error_code ec;
      if (options.calib_text.empty()) {
        throw PipelineError(i, specs[i].op, "", "needs calibration text (calibration.text in a recipe)");
      }
      if (!fs::is_regular_file(options.calib_text, ec)) {
        throw ConfigError(fmt::format("calibration text {}: no such file", options.calib_text.string()));
      }
    }
  }
  const fs::path out_abs = fs::absolute(output).lexically_normal();
  const fs::path out = out_abs.filename().empty() ? out_abs.parent_path() : out_abs;
  fs::create_directories(out.parent_path());

  PipelineReport report;
  report.bytes_before = safetensors_bytes(input);
  if (working.empty()) {
    copy_model(input, out);
  } else {
    const Json pipeline = pipeline_to_json(steps);
    const std::string summary = pipeline_summary(steps);
    std::vector<int64_t> layer_map(static_cast<size_t>(config.num_hidden_layers));
    std::iota(layer_map.begin(), layer_map.end(), int64_t{0});
    std::unique_ptr<io::ScopedDir> previous;  // the model the current step reads, when intermediate
    fs::path current = input;
    for (size_t k = 0; k < working.size(); ++k) {
      const StepSpec& spec = specs[working[k]];
      const bool last = k + 1 == working.size();
      auto temp = last ? nullptr : std::make_unique<io::ScopedDir>(out, fmt::format("step{}", working[k] + 1));
      const fs::path dest = last ? out : temp->path();
      PipelineStepReport sr;
      sr.op = spec.op;
      sr.summary = step_summary(spec);
      if (options.on_step) options.on_step(k, working.size(), sr.summary);
      StepContext ctx{options, Json::object(), layer_map};
      ctx.recipe_extra["pipeline"] = pipeline;
      ctx.recipe_extra["pipeline_summary"] = summary;
      ctx.recipe_extra["pipeline_step"] = working[k] + 1;
      if (previous) ctx.recipe_extra["previous_step"] = read_recipe(current);
      Timer step_timer;
      if (spec.op == "prune") {
        sr.details = run_prune(current, dest, spec, ctx);
      } else if (spec.op == "quantize") {
        sr.details = run_quantize(current, dest, spec, ctx);
      } else {
        sr.details = run_structured(current, dest, spec, ctx);
      }
      sr.seconds = step_timer.seconds();
      report.steps.push_back(std::move(sr));
      previous = std::move(temp);  // the step before is no longer needed: its folder goes here
      current = dest;
    }
  }
  report.bytes_after = safetensors_bytes(out);
  report.seconds = timer.seconds();
  return report;
}

}  // namespace slimlm::compress
