#include "slimlm/quant/checkpoint_summary.h"

#include <fstream>
#include <map>
#include <sstream>

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::quant {

uint64_t CheckpointQuantization::parameters() const {
  uint64_t n = 0;
  for (const auto& m : modules) n += static_cast<uint64_t>(m.rows * m.cols);
  return n;
}

uint64_t CheckpointQuantization::bytes() const {
  uint64_t n = 0;
  for (const auto& m : modules) n += m.bytes;
  return n;
}

nlohmann::ordered_json CheckpointQuantization::to_json() const {
  nlohmann::ordered_json j;
  j["quant_method"] = quant_method;
  std::map<std::string, size_t> formats;
  for (const auto& m : modules) ++formats[std::string(to_string(m.format))];
  j["formats"] = formats;
  j["quantized_tensors"] = modules.size();
  j["quantized_parameters"] = parameters();
  j["bytes"] = bytes();
  j["bits_per_weight"] = parameters() ? 8.0 * static_cast<double>(bytes()) / static_cast<double>(parameters()) : 0.0;
  j["ignore"] = config.ignore;
  return j;
}

std::optional<CheckpointQuantization> describe_quantization(const io::Checkpoint& ck) {
  const auto path = ck.dir() / "config.json";
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("quantization_config") ||
      j["quantization_config"].is_null()) {
    return std::nullopt;
  }
  CheckpointQuantization q;
  q.config = QuantizationConfig::from_json(j["quantization_config"], path.string());
  q.quant_method = j["quantization_config"].value("quant_method", "");
  constexpr std::string_view kPacked = ".weight_packed";
  constexpr std::string_view kWeight = ".weight";
  auto ends_with = [](const std::string& name, std::string_view suffix) {
    return name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  for (const std::string& name : ck.tensor_names()) {
    // W8A8 modules (int_quantized.h) keep an int8 `weight` beside its scales.
    if (ends_with(name, kWeight) && ck.info(name).dtype == DType::kI8) {
      QuantizedModuleInfo m;
      m.module = name.substr(0, name.size() - kWeight.size());
      const ConfigGroup* g = q.config.group_of(m.module);
      if (!g || !g->int8_activations) {
        throw FormatError(fmt::format("{}: '{}' is int8 but no W8A8 quantization_config group targets it",
                                      ck.dir().string(), name));
      }
      m.format = g->format;
      const auto& info = ck.info(name);
      m.rows = info.shape.at(0);
      m.cols = info.shape.at(1);
      for (const std::string& t : {name, m.module + ".weight_scale"}) {
        if (!ck.contains(t)) continue;
        const uint64_t elems = shape_numel(ck.info(t).shape);
        m.stored_elements += elems;
        m.bytes += dtype_bytes(ck.info(t).dtype, elems);
      }
      q.modules.push_back(std::move(m));
      continue;
    }
    if (!ends_with(name, kPacked)) continue;
    QuantizedModuleInfo m;
    m.module = name.substr(0, name.size() - kPacked.size());
    const auto f = q.config.format_of(m.module);
    if (!f) {
      throw FormatError(fmt::format("{}: '{}' is stored packed but no quantization_config group "
                                    "targets it",
                                    ck.dir().string(), name));
    }
    m.format = *f;
    const std::string shape_name = m.module + ".weight_shape";
    if (!ck.contains(shape_name)) {
      throw FormatError(fmt::format("{}: tensor '{}' is missing", ck.dir().string(), shape_name));
    }
    const Tensor shape = ck.tensor(shape_name).to(DType::kI64);
    if (shape.numel() != 2) {
      throw FormatError(fmt::format("{}: '{}' must hold 2 integers", ck.dir().string(), shape_name));
    }
    m.rows = shape.data<int64_t>()[0];
    m.cols = shape.data<int64_t>()[1];
    for (const char* suffix : {".weight_packed", ".weight_scale", ".weight_zero_point", ".weight_shape", ".weight_g_idx"}) {
      const std::string t = m.module + suffix;
      if (!ck.contains(t)) continue;
      const auto& info = ck.info(t);
      const uint64_t elems = shape_numel(info.shape);
      m.stored_elements += elems;
      m.bytes += dtype_bytes(info.dtype, elems);
    }
    q.modules.push_back(std::move(m));
  }
  return q;
}

}  // namespace slimlm::quant
