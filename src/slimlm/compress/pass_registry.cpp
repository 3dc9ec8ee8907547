#include "slimlm/compress/pass_registry.h"

#include <array>

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::compress {
namespace {

// clang-format off
constexpr std::array<PassInfo, 4> kPasses = {{
  {"gptq",        "GPTQ: Hessian-aware rounding, column by column, true-sequential per layer", &make_gptq_pass},
  {"awq",         "AWQ: activation-aware per-channel scales and clipping, then RTN or GPTQ",   &make_awq_pass},
  {"smoothquant", "SmoothQuant W8A8: outliers migrated into the weights, int8 weights and activations", &make_smoothquant_pass},
  {"rtn",         "round to nearest, run in the calibration pipeline (errors reported)",     &make_rtn_pass},
}};
// clang-format on

}  // namespace

std::span<const PassInfo> all_passes() { return kPasses; }

const PassInfo* find_pass(std::string_view name) {
  for (const PassInfo& p : kPasses) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::string pass_list() {
  std::string s;
  for (const PassInfo& p : kPasses) s += (s.empty() ? "" : ", ") + std::string(p.name);
  return s;
}

std::unique_ptr<calib::LayerPass> make_pass(std::string_view name, const PassConfig& cfg) {
  const PassInfo* p = find_pass(name);
  if (!p) throw ConfigError(fmt::format("--method {}: unknown method; choose one of: {}", name, pass_list()));
  return p->make(cfg);
}

}  // namespace slimlm::compress
