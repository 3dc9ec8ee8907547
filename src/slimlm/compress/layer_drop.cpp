#include "slimlm/compress/layer_drop.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "slimlm/core/error.h"

namespace slimlm::compress {
namespace {

constexpr std::string_view kLayerPrefix = "model.layers.";

}  // namespace

int64_t layer_of_tensor(std::string_view name) {
  if (name.substr(0, kLayerPrefix.size()) != kLayerPrefix) return -1;
  const std::string_view rest = name.substr(kLayerPrefix.size());
  const auto dot = rest.find('.');
  if (dot == std::string_view::npos || dot == 0) return -1;
  int64_t layer = -1;
  const auto r = std::from_chars(rest.data(), rest.data() + dot, layer);
  if (r.ec != std::errc() || r.ptr != rest.data() + dot) return -1;
  return layer;
}

std::vector<int64_t> parse_layer_list(std::string_view text, int64_t num_layers) {
  std::vector<int64_t> out;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ',' || text[i] == ' ')) ++i;
    if (i == text.size()) break;
    size_t j = i;
    while (j < text.size() && text[j] != ',' && text[j] != ' ') ++j;
    int64_t v = -1;
    const auto r = std::from_chars(text.data() + i, text.data() + j, v);
    if (r.ec != std::errc() || r.ptr != text.data() + j) {
      throw ConfigError(fmt::format("--drop-layers {}: '{}' is not a layer index", text, text.substr(i, j - i)));
    }
    if (v < 0 || v >= num_layers) {
      throw ConfigError(fmt::format("--drop-layers {}: layer {} is outside [0, {})", text, v, num_layers));
    }
    out.push_back(v);
    i = j;
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.empty()) throw ConfigError(fmt::format("--drop-layers '{}': no layer given", text));
  if (static_cast<int64_t>(out.size()) >= num_layers) {
    throw ConfigError(fmt::format("--drop-layers {}: would drop all {} layers", text, num_layers));
  }
  return out;
}

void drop_layers(io::NamedTensors& tensors, nlohmann::ordered_json& config, const io::ModelConfig& c,
                 std::span<const int64_t> drop) {
  const int64_t L = c.num_hidden_layers;
  std::vector<int64_t> new_index(static_cast<size_t>(L), -1);
  int64_t next = 0;
  for (int64_t l = 0; l < L; ++l) {
    if (!std::binary_search(drop.begin(), drop.end(), l)) new_index[static_cast<size_t>(l)] = next++;
  }
  io::NamedTensors out;
  out.reserve(tensors.size());
  for (auto& [name, t] : tensors) {
    const int64_t l = layer_of_tensor(name);
    if (l < 0) {
      out.emplace_back(std::move(name), std::move(t));
      continue;
    }
    if (l >= L) throw FormatError(fmt::format("tensor '{}' names layer {} of a {}-layer model", name, l, L));
    const int64_t n = new_index[static_cast<size_t>(l)];
    if (n < 0) continue;
    const std::string rest = name.substr(name.find('.', kLayerPrefix.size()));
    out.emplace_back(fmt::format("{}{}{}", kLayerPrefix, n, rest), std::move(t));
  }
  tensors = std::move(out);

  config["num_hidden_layers"] = next;
  if (config.contains("layer_types") && config["layer_types"].is_array() &&
      static_cast<int64_t>(config["layer_types"].size()) == L) {
    nlohmann::ordered_json kept = nlohmann::ordered_json::array();
    for (int64_t l = 0; l < L; ++l) {
      if (new_index[static_cast<size_t>(l)] >= 0) kept.push_back(config["layer_types"][static_cast<size_t>(l)]);
    }
    config["layer_types"] = kept;
  }
  if (config.contains("max_window_layers") && config["max_window_layers"].is_number_integer()) {
    const int64_t mwl = config["max_window_layers"].get<int64_t>();
    int64_t below = 0;
    for (int64_t l = 0; l < std::min(mwl, L); ++l) below += new_index[static_cast<size_t>(l)] >= 0;
    // A threshold at or past the last layer stays so (every layer below it).
    if (mwl < L) config["max_window_layers"] = below;
  }
}

}  // namespace slimlm::compress
