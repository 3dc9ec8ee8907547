#include "slimlm/model/quantized_weights.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "slimlm/core/error.h"
#include "slimlm/quant/int_quantized.h"

namespace slimlm::model {

std::string_view module_of(std::string_view weight_name) {
  constexpr std::string_view kSuffix = ".weight";
  if (weight_name.size() > kSuffix.size() &&
      weight_name.substr(weight_name.size() - kSuffix.size()) == kSuffix) {
    return weight_name.substr(0, weight_name.size() - kSuffix.size());
  }
  return weight_name;
}

std::unique_ptr<QuantizedWeights> QuantizedWeights::open(const io::Checkpoint& checkpoint) {
  const auto path = checkpoint.dir() / "config.json";
  std::ifstream in(path);
  if (!in) return nullptr;  // the caller has read config.json already; nothing to add
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return nullptr;
  auto config = quant::read_quantization_config(j, path.string());
  if (!config) return nullptr;
  return std::make_unique<QuantizedWeights>(checkpoint, std::move(*config));
}

QuantizedWeights::QuantizedWeights(const io::Checkpoint& checkpoint, quant::QuantizationConfig config)
    : checkpoint_(checkpoint), config_(std::move(config)) {}

bool QuantizedWeights::int8_activations(std::string_view name) const {
  const quant::ConfigGroup* g = config_.group_of(module_of(name));
  return g && g->int8_activations;
}

bool QuantizedWeights::holds(std::string_view name) const {
  const std::string module(module_of(name));
  // W8A8 modules keep the name `weight`, as int8.
  if (int8_activations(name) && checkpoint_.contains(module + ".weight") &&
      checkpoint_.info(module + ".weight").dtype == DType::kI8) {
    return true;
  }
  if (!checkpoint_.contains(module + ".weight_packed")) return false;
  if (!config_.format_of(module)) {
    throw FormatError(fmt::format(
        "{}: '{}.weight_packed' is stored but no quantization_config group of config.json "
        "targets module '{}'",
        checkpoint_.dir().string(), module, module));
  }
  return true;
}

void QuantizedWeights::check(std::string_view name, const Shape& expected) {
  const std::string module(module_of(name));
  const quant::QuantFormat f = *config_.format_of(module);
  const auto lookup = [&](const std::string& n) -> std::optional<Tensor> {
    if (!checkpoint_.contains(n)) return std::nullopt;
    return checkpoint_.tensor(n);
  };
  quant::QuantizedTensor q = int8_activations(name)
                                 ? quant::int_quantized_from_disk(module, lookup, checkpoint_.dir().string())
                                 : quant::from_disk(module, f, lookup, checkpoint_.dir().string());
  if (expected != Shape{q.rows, q.cols}) {
    throw FormatError(fmt::format("{}: quantized weight '{}' has shape [{}, {}], expected {}",
                                  checkpoint_.dir().string(), name, q.rows, q.cols,
                                  shape_to_string(expected)));
  }
  checked_.insert_or_assign(std::string(name), std::move(q));
}

quant::QuantizedTensor QuantizedWeights::take(std::string_view name) {
  auto it = checked_.find(name);
  if (it == checked_.end()) throw Error(fmt::format("quantized weight '{}' was not checked", name));
  quant::QuantizedTensor q = std::move(it->second);
  checked_.erase(it);
  return q;
}

bool QuantizedWeights::owns(std::string_view tensor_name) const {
  if (!quant::is_quantized_tensor_name(tensor_name)) return false;
  const auto dot = tensor_name.rfind('.');
  const std::string module(tensor_name.substr(0, dot));
  return checkpoint_.contains(module + ".weight_packed") || holds(module + ".weight");
}

}  // namespace slimlm::model
