#include "slimlm/compress/structured_channels.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "slimlm/compress/structured_heads.h"
#include "slimlm/compress/tensor_slice.h"
#include "slimlm/core/error.h"
#include "slimlm/model/layer_tensors.h"

namespace slimlm::compress {

using model::WeightSlot;

std::vector<double> channel_magnitude(const Tensor& gate, const Tensor& up, const Tensor& down) {
  const int64_t F = gate.dim(0), C = gate.dim(1);
  std::vector<double> s(static_cast<size_t>(F), 0.0);
  const float* g = gate.data<float>();
  const float* u = up.data<float>();
  const float* d = down.data<float>();
  for (int64_t i = 0; i < F; ++i) {
    double a = 0;
    for (int64_t j = 0; j < C; ++j) {
      a += static_cast<double>(g[i * C + j]) * g[i * C + j] + static_cast<double>(u[i * C + j]) * u[i * C + j];
    }
    s[static_cast<size_t>(i)] = a;
  }
  for (int64_t r = 0; r < down.dim(0); ++r) {
    for (int64_t i = 0; i < F; ++i) s[static_cast<size_t>(i)] += static_cast<double>(d[r * F + i]) * d[r * F + i];
  }
  return s;
}

std::vector<double> channel_activation(const Tensor& down, std::span<const double> down_input_sq_sum) {
  const int64_t C = down.dim(0), F = down.dim(1);
  if (static_cast<int64_t>(down_input_sq_sum.size()) != F) {
    throw Error(fmt::format("channel_activation: {} input norms for {} down_proj inputs", down_input_sq_sum.size(), F));
  }
  std::vector<double> col(static_cast<size_t>(F), 0.0);
  const float* d = down.data<float>();
  for (int64_t r = 0; r < C; ++r) {
    for (int64_t i = 0; i < F; ++i) col[static_cast<size_t>(i)] += static_cast<double>(d[r * F + i]) * d[r * F + i];
  }
  for (int64_t i = 0; i < F; ++i) col[static_cast<size_t>(i)] *= down_input_sq_sum[static_cast<size_t>(i)];
  return col;
}

int64_t channels_kept(const io::ModelConfig& c, double ratio) {
  if (!(ratio > 0.0 && ratio < 1.0)) {
    throw ConfigError(fmt::format("--ratio {}: the fraction of MLP channels removed must lie strictly between 0 and 1",
                                  ratio));
  }
  const int64_t F = c.intermediate_size;
  const int64_t kept = std::max<int64_t>(1, F - static_cast<int64_t>(std::llround(ratio * static_cast<double>(F))));
  if (kept == F) throw ConfigError(fmt::format("--ratio {}: removes no channel of {}", ratio, F));
  return kept;
}

void remove_channels(io::NamedTensors& tensors, const io::ModelConfig& c, int64_t layer,
                     std::span<const int64_t> keep) {
  auto cut = [&](WeightSlot slot, bool bias, bool columns) {
    const std::string name = model::layer_tensor_name(c, layer, slot, bias);
    if (name.empty()) return;
    Tensor& t = tensor_named(tensors, name);
    t = columns ? select_cols(t, keep) : select_rows(t, keep);
  };
  cut(WeightSlot::kGate, false, false);
  cut(WeightSlot::kGate, true, false);
  cut(WeightSlot::kUp, false, false);
  cut(WeightSlot::kUp, true, false);
  cut(WeightSlot::kDown, false, true);  // down's bias is per output: unchanged
}

void patch_config_channels(nlohmann::ordered_json& config, int64_t kept) { config["intermediate_size"] = kept; }

}  // namespace slimlm::compress
