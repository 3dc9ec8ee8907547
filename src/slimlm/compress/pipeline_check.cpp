// Whole-pipeline checks (orders that cannot work, shapes a model cannot
// take) and the one-line summaries of steps.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

#include "slimlm/compress/pipeline_step.h"
#include "slimlm/compress/quant_plan.h"
#include "slimlm/compress/structured_channels.h"
#include "slimlm/compress/structured_heads.h"
#include "slimlm/model/layer_tensors.h"

namespace slimlm::compress {
namespace {

std::string percent(double fraction) {
  // 0.5 -> "50%", 0.375 -> "37.5%": at most one decimal, none when whole.
  const double p = std::round(fraction * 1000.0) / 10.0;
  return p == std::floor(p) ? fmt::format("{:.0f}%", p) : fmt::format("{:.1f}%", p);
}

std::string layer_list(const std::vector<int64_t>& layers) {
  std::string s;
  for (int64_t l : layers) {
    if (!s.empty()) s += ',';
    s += std::to_string(l);
  }
  return s;
}

std::string describe(const StepSpec& s, size_t index) {
  return fmt::format("step {} ({})", index + 1, s.op);
}

// Checks that `f` fits every decoder Linear of `c` that the step's skip
// patterns do not keep dense in every layer.
void check_format(const StepSpec& s, size_t index, const io::ModelConfig& c, quant::QuantFormat f,
                  const std::vector<std::string>& skip, const std::string& key) {
  std::vector<std::regex> skip_res;
  for (const auto& re : skip) skip_res.emplace_back(re);
  for (model::Proj p : model::kAllProjs) {
    bool everywhere_skipped = true;
    for (int64_t l = 0; l < c.num_hidden_layers && everywhere_skipped; ++l) {
      const std::string name = model::layer_tensor_name(c, l, model::weight_slot(p), false);
      everywhere_skipped = std::any_of(skip_res.begin(), skip_res.end(),
                                       [&](const std::regex& re) { return std::regex_search(name, re); });
    }
    if (everywhere_skipped && c.num_hidden_layers > 0) continue;
    const auto [rows, cols] = proj_shape(c, p);
    try {
      quant::check_shape(f, rows, cols, fmt::format("{} [{}, {}]", model::to_string(p), rows, cols));
    } catch (const ConfigError& e) {
      throw PipelineError(index, s.op, key, e.what());
    }
  }
}

}  // namespace

std::vector<StepSpec> parse_pipeline(std::span<const PipelineStep> steps) {
  std::vector<StepSpec> specs;
  specs.reserve(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) specs.push_back(parse_step(steps[i], i));

  std::map<std::string, size_t> seen;
  std::optional<size_t> quantized_at, sparse24_at, unstructured_at;
  for (size_t i = 0; i < specs.size(); ++i) {
    const StepSpec& s = specs[i];
    if (s.noop) continue;
    if (const auto it = seen.find(s.op); it != seen.end()) {
      throw PipelineError(i, s.op, "",
                          fmt::format("{} already does {}: merge the two into one step", describe(specs[it->second], it->second), s.op));
    }
    seen[s.op] = i;
    if (quantized_at) {
      throw PipelineError(i, s.op, "",
                          fmt::format("comes after {}, which quantizes the model: quantize in the last step",
                                      describe(specs[*quantized_at], *quantized_at)));
    }
    if (sparse24_at) {
      throw PipelineError(i, s.op, "",
                          fmt::format("comes after {}, which stores the weights 2:4-compressed (storage sparse24): "
                                      "only the last step may",
                                      describe(specs[*sparse24_at], *sparse24_at)));
    }
    if (s.op == "quantize" && s.quantize().method == "gptq" && unstructured_at) {
      throw PipelineError(i, s.op, "method",
                          fmt::format("gptq after {} would fill the pruned weights back in (its updates touch every "
                                      "weight): use prune {{method: sparsegpt, quantize: FORMAT}} for joint pruning "
                                      "and quantization, or rtn / awq",
                                      describe(specs[*unstructured_at], *unstructured_at)));
    }
    if (s.quantizes()) quantized_at = i;
    if (s.op == "prune") {
      unstructured_at = i;
      if (s.prune().options.storage == SparseStorage::kSparse24) sparse24_at = i;
    }
  }
  return specs;
}

void check_pipeline_shapes(std::span<const StepSpec> specs, const io::ModelConfig& model) {
  io::ModelConfig c = model;
  const int64_t input_layers = model.num_hidden_layers;
  for (size_t i = 0; i < specs.size(); ++i) {
    const StepSpec& s = specs[i];
    if (s.noop) continue;
    if (s.op == "prune") {
      const PruneOptions& p = s.prune().options;
      for (model::Proj proj : model::kAllProjs) {
        const auto [rows, cols] = proj_shape(c, proj);
        const std::string what = fmt::format("{} [{}, {}]", model::to_string(proj), rows, cols);
        try {
          p.pattern.check_shape(rows, cols, what);
        } catch (const ConfigError& e) {
          throw PipelineError(i, s.op, "pattern", e.what());
        }
      }
      if (p.quantize) check_format(s, i, c, *p.quantize, {}, "quantize");
    } else if (s.op == "prune_heads") {
      const StructuredOptions& o = s.structured().options;
      const int64_t G = c.num_attention_heads / c.num_key_value_heads;
      int64_t kept = 0;
      try {
        kept = heads_kept(c, o.head_unit, o.ratio);
      } catch (const ConfigError& e) {
        throw PipelineError(i, s.op, "ratio", e.what());
      }
      if (o.head_unit == HeadUnit::kGroup) {
        c.num_key_value_heads = kept;
        c.num_attention_heads = kept * G;
      } else {
        c.num_attention_heads = c.num_key_value_heads * kept;
      }
    } else if (s.op == "prune_channels") {
      try {
        c.intermediate_size = channels_kept(c, s.structured().options.ratio);
      } catch (const ConfigError& e) {
        throw PipelineError(i, s.op, "ratio", e.what());
      }
    } else if (s.op == "drop_layers") {
      const StructuredSpec& st = s.structured();
      for (int64_t l : st.options.drop_layers) {
        if (l >= c.num_hidden_layers) {
          throw PipelineError(i, s.op, "layers",
                              fmt::format("layer {} does not exist: the model has {} layers (0-{})", l,
                                          c.num_hidden_layers, c.num_hidden_layers - 1));
        }
      }
      const int64_t n = st.drop_count > 0 ? st.drop_count : static_cast<int64_t>(st.options.drop_layers.size());
      if (n >= c.num_hidden_layers) {
        throw PipelineError(i, s.op, st.drop_count > 0 ? "count" : "layers",
                            fmt::format("dropping {} of {} layers leaves none", n, c.num_hidden_layers));
      }
      c.num_hidden_layers -= n;
    } else if (s.op == "quantize") {
      const QuantizeSpec& q = s.quantize();
      for (const auto& [layer, f] : q.layer_formats) {
        if (layer >= input_layers) {
          throw PipelineError(i, s.op, "layer_formats",
                              fmt::format("layer {} does not exist: the model has {} layers (0-{})", layer,
                                          input_layers, input_layers - 1));
        }
      }
      check_format(s, i, c, q.format, q.skip, q.method == "smoothquant" ? "method" : "format");
      for (const auto& [layer, f] : q.layer_formats) {
        if (f) check_format(s, i, c, *f, {}, "layer_formats");
      }
      if (q.method == "rtn" && q.lm_head && !c.tie_word_embeddings) {
        try {
          quant::check_shape(q.format, c.vocab_size, c.hidden_size, "lm_head");
        } catch (const ConfigError& e) {
          throw PipelineError(i, s.op, "lm_head", e.what());
        }
      }
    }
  }
}

std::string step_summary(const StepSpec& s) {
  if (s.noop) return "";
  if (s.op == "prune") {
    const PruneOptions& p = s.prune().options;
    std::string text = fmt::format("{} {}", to_string(p.method), p.pattern.is_nm() ? p.pattern.to_string() : percent(p.pattern.ratio));
    if (p.owl) text += " owl";
    if (p.storage == SparseStorage::kSparse24) text += " sparse24";
    if (p.quantize) text += fmt::format(" + {} (joint)", quant::to_string(*p.quantize));
    return text;
  }
  if (s.op == "prune_heads") {
    const StructuredOptions& o = s.structured().options;
    return fmt::format("{} -{}", o.head_unit == HeadUnit::kGroup ? "heads" : "query heads", percent(o.ratio));
  }
  if (s.op == "prune_channels") return fmt::format("channels -{}", percent(s.structured().options.ratio));
  if (s.op == "drop_layers") {
    const StructuredSpec& st = s.structured();
    if (st.drop_count > 0) return fmt::format("drop {} layer{}", st.drop_count, st.drop_count == 1 ? "" : "s");
    return fmt::format("drop layer{} {}", st.options.drop_layers.size() == 1 ? "" : "s", layer_list(st.options.drop_layers));
  }
  const QuantizeSpec& q = s.quantize();
  if (q.method == "smoothquant") return "smoothquant w8a8";
  std::string text = fmt::format("{} {}", q.method, quant::to_string(q.format));
  // Per-layer formats that differ from the default, grouped by format.
  std::map<std::string, std::vector<int64_t>> by_format;
  for (const auto& [layer, f] : q.layer_formats) {
    if (f == q.format) continue;
    by_format[f ? std::string(quant::to_string(*f)) : "dense"].push_back(layer);
  }
  std::string mixed;
  for (const auto& [name, layers] : by_format) {
    mixed += fmt::format("{}layer{} {} {}", mixed.empty() ? "" : "; ", layers.size() == 1 ? "" : "s", layer_list(layers), name);
  }
  if (!mixed.empty()) text += " (" + mixed + ")";
  return text;
}

}  // namespace slimlm::compress
