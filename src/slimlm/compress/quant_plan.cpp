#include "slimlm/compress/quant_plan.h"

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::compress {
namespace {

std::regex compile(const std::string& pattern, std::string_view flag) {
  try {
    return std::regex(pattern);
  } catch (const std::regex_error& e) {
    throw ConfigError(fmt::format("{} '{}': not a valid regular expression ({})", flag, pattern, e.what()));
  }
}

}  // namespace

QuantPlan::QuantPlan(quant::QuantFormat format, std::vector<FormatOverride> overrides,
                     std::vector<std::string> skip)
    : format_(format), overrides_(std::move(overrides)), skip_(std::move(skip)) {
  for (const auto& o : overrides_) override_res_.emplace_back(compile(o.pattern, "--tensor-type"), o.format);
  for (const auto& s : skip_) skip_res_.push_back(compile(s, "--skip"));
}

std::optional<quant::QuantFormat> QuantPlan::format_for(const std::string& name) const {
  std::optional<quant::QuantFormat> f = format_;
  for (const auto& [re, of] : override_res_) {
    if (std::regex_search(name, re)) {
      f = of;
      break;
    }
  }
  for (const auto& re : skip_res_) {
    if (std::regex_search(name, re)) f.reset();
  }
  return f;
}

std::optional<quant::QuantFormat> QuantPlan::format_for(const io::ModelConfig& c, int64_t layer,
                                                        model::Proj p) const {
  return format_for(model::layer_tensor_name(c, layer, model::weight_slot(p), false));
}

std::pair<int64_t, int64_t> proj_shape(const io::ModelConfig& c, model::Proj p) {
  const int64_t C = c.hidden_size, F = c.intermediate_size, Q = c.q_dim(), KV = c.kv_dim();
  switch (p) {
    case model::Proj::kQ: return {Q, C};
    case model::Proj::kK:
    case model::Proj::kV: return {KV, C};
    case model::Proj::kO: return {C, Q};
    case model::Proj::kGate:
    case model::Proj::kUp: return {F, C};
    case model::Proj::kDown: return {C, F};
  }
  return {0, 0};
}

void QuantPlan::check(const io::ModelConfig& c) const {
  bool any = false;
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    for (model::Proj p : model::kAllProjs) {
      const std::string name = model::layer_tensor_name(c, l, model::weight_slot(p), false);
      const auto f = format_for(name);
      if (!f) continue;
      any = true;
      const auto [rows, cols] = proj_shape(c, p);
      quant::check_shape(*f, rows, cols, name);
    }
  }
  if (!any) throw ConfigError("nothing to quantize: --skip / --tensor-type keep every Linear weight dense");
}

}  // namespace slimlm::compress
