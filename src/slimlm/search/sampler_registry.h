#pragma once
// The table of samplers: adding one is one row in sampler_registry.cpp.
#include <memory>
#include <span>
#include <string_view>

#include <nlohmann/json.hpp>

#include "slimlm/search/sampler.h"

namespace slimlm::search {

struct SamplerInfo {
  std::string_view name;
  std::string_view summary;  // one line for --help and errors
  std::unique_ptr<Sampler> (*make)(const nlohmann::json& options);
};

std::span<const SamplerInfo> samplers();

}  // namespace slimlm::search
