#include "slimlm/compress/prune_structured.h"

#include <cmath>
#include <fstream>
#include <sstream>
#include <system_error>

#include <fmt/format.h>

#include "slimlm/calib/calibration_set.h"
#include "slimlm/calib/pipeline.h"
#include "slimlm/compress/block_influence.h"
#include "slimlm/compress/layer_drop.h"
#include "slimlm/compress/pruned_checkpoint.h"
#include "slimlm/compress/structured_channels.h"
#include "slimlm/compress/structured_importance.h"
#include "slimlm/core/error.h"
#include "slimlm/core/timer.h"
#include "slimlm/model/layer_tensors.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::compress {
namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using model::WeightSlot;

namespace {

constexpr std::pair<StructuredKind, std::string_view> kKinds[] = {
    {StructuredKind::kHeads, "heads"}, {StructuredKind::kChannels, "channels"}, {StructuredKind::kLayers, "layers"}};
constexpr std::pair<HeadUnit, std::string_view> kUnits[] = {{HeadUnit::kGroup, "group"}, {HeadUnit::kQuery, "query"}};

Tensor f32_of(const io::Checkpoint& ck, const io::ModelConfig& c, int64_t layer, WeightSlot slot) {
  const Tensor t = ck.tensor(model::layer_tensor_name(c, layer, slot, false));
  return t.dtype() == DType::kF32 ? t : t.to(DType::kF32);
}

calib::CalibrationSet calibration(const PruneInput& in, const CalibrationSource& src) {
  std::ifstream f(src.file, std::ios::binary);
  if (!f) throw IoError(fmt::format("--calib {}: cannot read the file", src.file));
  std::stringstream ss;
  ss << f.rdbuf();
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::from_file(in.dir);
  calib::CalibrationOptions co;
  co.samples = src.samples;
  co.seq_len = src.seq_len;
  co.seed = src.seed;
  return calib::calibration_set_from_text(tok, ss.str(), co, src.file);
}

Json calibration_json(const calib::CalibrationSet& set) {
  return {{"file", set.source}, {"samples", set.samples}, {"seq_len", set.seq_len}, {"seed", set.seed},
          {"stream_tokens", set.stream_tokens}};
}

void check(const PruneInput& in, const StructuredOptions& o) {
  if (!o.drop_layers.empty() && o.kind != StructuredKind::kLayers) {
    throw ConfigError("--drop-layers goes with --structured layers");
  }
  if (o.kind == StructuredKind::kLayers && o.drop_layers.empty()) {
    if (!(o.ratio > 0.0 && o.ratio < 1.0)) {
      throw ConfigError(fmt::format("--structured layers needs --drop-layers LIST or --ratio in (0, 1), got {}", o.ratio));
    }
    if (o.calib.file.empty()) {
      throw ConfigError("--structured layers --ratio ranks layers by block influence on calibration text: --calib FILE "
                        "(or name them with --drop-layers)");
    }
    const auto n = std::llround(o.ratio * static_cast<double>(in.config.num_hidden_layers));
    if (n < 1 || n >= in.config.num_hidden_layers) {
      throw ConfigError(fmt::format("--ratio {}: drops {} of {} layers", o.ratio, n, in.config.num_hidden_layers));
    }
  }
  for (int64_t l : o.drop_layers) {
    if (l < 0 || l >= in.config.num_hidden_layers) {
      throw ConfigError(fmt::format("--drop-layers: layer {} is outside [0, {})", l, in.config.num_hidden_layers));
    }
  }
  if (!o.calib.file.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(o.calib.file, ec)) throw ConfigError(fmt::format("--calib {}: no such file", o.calib.file));
  }
}

}  // namespace

std::string_view to_string(StructuredKind k) {
  for (const auto& [v, s] : kKinds) {
    if (v == k) return s;
  }
  return "unknown";
}

std::optional<StructuredKind> structured_kind_from_string(std::string_view s) {
  for (const auto& [v, n] : kKinds) {
    if (n == s) return v;
  }
  return std::nullopt;
}

std::string_view to_string(HeadUnit u) {
  for (const auto& [v, s] : kUnits) {
    if (v == u) return s;
  }
  return "unknown";
}

std::optional<HeadUnit> head_unit_from_string(std::string_view s) {
  for (const auto& [v, n] : kUnits) {
    if (n == s) return v;
  }
  return std::nullopt;
}

StructuredReport prune_structured(const fs::path& input, const fs::path& output, const StructuredOptions& o) {
  const Timer timer;
  const PruneInput in = open_prune_input(input, output);
  const io::ModelConfig& c = in.config;
  check(in, o);
  const int64_t kept_units = o.kind == StructuredKind::kHeads      ? heads_kept(c, o.head_unit, o.ratio)
                             : o.kind == StructuredKind::kChannels ? channels_kept(c, o.ratio)
                                                                   : 0;
  StructuredReport rep;
  rep.heads_before = rep.heads_after = c.num_attention_heads;
  rep.kv_heads_before = rep.kv_heads_after = c.num_key_value_heads;
  rep.ffn_before = rep.ffn_after = c.intermediate_size;
  rep.layers_before = rep.layers_after = c.num_hidden_layers;

  io::NamedTensors tensors;
  for (const std::string& name : in.checkpoint.tensor_names()) {
    Tensor t = in.checkpoint.tensor(name);
    rep.params_before += t.numel();
    rep.bytes_before += t.nbytes();
    tensors.emplace_back(name, std::move(t));
  }
  Json config = in.config_json;
  Json recipe;
  recipe["tool"] = "slimlm";
  recipe["pass"] = "prune";
  recipe["structured"] = to_string(o.kind);
  recipe["source"] = fs::absolute(input).lexically_normal().string();

  const bool activation = !o.calib.file.empty() && o.kind != StructuredKind::kLayers;
  std::optional<calib::CalibrationSet> set;
  if (!o.calib.file.empty() && (activation || o.drop_layers.empty())) {
    const Timer t;
    set = calibration(in, o.calib);
    rep.calibration_seconds = t.seconds();
    recipe["calibration"] = calibration_json(*set);
  }

  if (o.kind == StructuredKind::kLayers) {
    std::vector<int64_t> drop = o.drop_layers;
    if (drop.empty()) {
      rep.layer_scores = block_influence(in.checkpoint, c, *set, o.progress);
      drop = lowest_influence(rep.layer_scores, std::llround(o.ratio * static_cast<double>(c.num_hidden_layers)));
      rep.importance = "block_influence";
      recipe["block_influence"] = rep.layer_scores;
    } else {
      std::sort(drop.begin(), drop.end());
      drop.erase(std::unique(drop.begin(), drop.end()), drop.end());
      if (static_cast<int64_t>(drop.size()) >= c.num_hidden_layers) {
        throw ConfigError(fmt::format("--drop-layers would drop all {} layers", c.num_hidden_layers));
      }
      rep.importance = "explicit";
    }
    drop_layers(tensors, config, c, drop);
    rep.dropped_layers = drop;
    rep.layers_after = c.num_hidden_layers - static_cast<int64_t>(drop.size());
    recipe["dropped_layers"] = drop;
  } else {
    std::vector<std::vector<double>> head_scores, channel_scores;
    if (activation) {
      StructuredImportancePass pass(o.kind == StructuredKind::kHeads, o.kind == StructuredKind::kChannels);
      calib::PipelineOptions po;
      po.on_layer_start = o.progress;
      calib::run_pipeline(in.checkpoint, c, *set, pass, po);
      head_scores = pass.head_scores();
      channel_scores = pass.channel_scores();
      rep.importance = "activation";
    } else {
      rep.importance = "magnitude";
    }
    Json kept = Json::array();
    for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
      if (o.progress && !activation) o.progress(l, c.num_hidden_layers);
      if (o.kind == StructuredKind::kHeads) {
        const Tensor k = f32_of(in.checkpoint, c, l, WeightSlot::kK);
        const Tensor v = f32_of(in.checkpoint, c, l, WeightSlot::kV);
        std::vector<double> scores;
        if (activation) {
          scores = head_scores.at(static_cast<size_t>(l));
        } else {
          scores = query_head_magnitude(f32_of(in.checkpoint, c, l, WeightSlot::kQ),
                                        f32_of(in.checkpoint, c, l, WeightSlot::kO), c);
        }
        // Magnitude counts the group's k and v rows too; activation scores
        // what the heads write out, which k and v only shape.
        const HeadPlan plan = activation ? plan_heads(scores, c, o.head_unit, kept_units)
                                         : plan_heads(scores, c, o.head_unit, kept_units, &k, &v);
        remove_heads(tensors, c, l, plan);
        if (l == 0) patch_config_heads(config, c, plan);
        rep.heads_after = static_cast<int64_t>(plan.q_keep.size());
        rep.kv_heads_after = static_cast<int64_t>(plan.kv_keep.size());
        kept.push_back({{"layer", l}, {"query_heads", plan.q_keep}, {"kv_heads", plan.kv_keep}});
      } else {
        std::vector<double> scores =
            activation ? channel_scores.at(static_cast<size_t>(l))
                       : channel_magnitude(f32_of(in.checkpoint, c, l, WeightSlot::kGate),
                                           f32_of(in.checkpoint, c, l, WeightSlot::kUp),
                                           f32_of(in.checkpoint, c, l, WeightSlot::kDown));
        const std::vector<int64_t> keep = top_indices(scores, kept_units);
        remove_channels(tensors, c, l, keep);
        rep.ffn_after = kept_units;
        kept.push_back({{"layer", l}, {"channels_removed", c.intermediate_size - kept_units}});
      }
    }
    if (o.kind == StructuredKind::kChannels) patch_config_channels(config, kept_units);
    recipe["ratio"] = o.ratio;
    if (o.kind == StructuredKind::kHeads) recipe["head_unit"] = to_string(o.head_unit);
    recipe["kept"] = kept;
  }
  recipe["importance"] = rep.importance;
  recipe["dims"] = {{"num_attention_heads", {rep.heads_before, rep.heads_after}},
                    {"num_key_value_heads", {rep.kv_heads_before, rep.kv_heads_after}},
                    {"intermediate_size", {rep.ffn_before, rep.ffn_after}},
                    {"num_hidden_layers", {rep.layers_before, rep.layers_after}}};
  for (const auto& [k, v] : o.recipe_extra.items()) recipe[k] = v;
  for (const auto& [n, t] : tensors) {
    rep.params_after += t.numel();
    rep.bytes_after += t.nbytes();
  }
  write_pruned_checkpoint(in, output, std::move(tensors), config, recipe);
  rep.seconds = timer.seconds();
  return rep;
}

}  // namespace slimlm::compress
