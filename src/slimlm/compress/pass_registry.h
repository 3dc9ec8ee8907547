#pragma once
// The registry of compression passes (DESIGN.md: a pass is one file plus one
// line in pass_registry.cpp's table). Names are persisted in recipes.
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "slimlm/calib/layer_pass.h"
#include "slimlm/compress/pass_config.h"

namespace slimlm::compress {

using PassFactory = std::unique_ptr<calib::LayerPass> (*)(const PassConfig&);

struct PassInfo {
  std::string_view name;     // "gptq"
  std::string_view summary;  // one line for --help
  PassFactory make;
};

std::span<const PassInfo> all_passes();
const PassInfo* find_pass(std::string_view name);
// "gptq, awq, smoothquant, rtn"
std::string pass_list();
// Throws ConfigError naming --method and listing the passes.
std::unique_ptr<calib::LayerPass> make_pass(std::string_view name, const PassConfig& cfg);

// The factories, one per pass file.
std::unique_ptr<calib::LayerPass> make_gptq_pass(const PassConfig& cfg);
std::unique_ptr<calib::LayerPass> make_awq_pass(const PassConfig& cfg);
std::unique_ptr<calib::LayerPass> make_smoothquant_pass(const PassConfig& cfg);
std::unique_ptr<calib::LayerPass> make_rtn_pass(const PassConfig& cfg);

}  // namespace slimlm::compress
