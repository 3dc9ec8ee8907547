#pragma once
// Which format each decoder Linear gets: a default, per-tensor overrides
// (first matching regex on the tensor name wins, like llama-quantize's
// --tensor-type and model/quantize_model.h) and skip patterns that keep a
// tensor dense. Checked against every Linear's shape before any work.
#include <optional>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "slimlm/io/model_config.h"
#include "slimlm/model/layer_tensors.h"
#include "slimlm/quant/format.h"

namespace slimlm::compress {

struct FormatOverride {
  std::string pattern;                       // regex searched in the tensor name
  std::optional<quant::QuantFormat> format;  // nullopt: keep dense
};

class QuantPlan {
 public:
  // Throws ConfigError for an invalid regex (naming the flag).
  QuantPlan(quant::QuantFormat format, std::vector<FormatOverride> overrides = {},
            std::vector<std::string> skip = {});

  quant::QuantFormat default_format() const { return format_; }
  // The format of tensor `name` ("model.layers.3.mlp.down_proj.weight"), or
  // nullopt to keep it dense.
  std::optional<quant::QuantFormat> format_for(const std::string& name) const;
  std::optional<quant::QuantFormat> format_for(const io::ModelConfig& c, int64_t layer,
                                               model::Proj p) const;
  // Throws ConfigError naming the tensor and format when a decoder Linear's
  // shape does not fit its format, or when nothing is quantized.
  void check(const io::ModelConfig& c) const;

  const std::vector<FormatOverride>& overrides() const { return overrides_; }
  const std::vector<std::string>& skip() const { return skip_; }

 private:
  quant::QuantFormat format_;
  std::vector<FormatOverride> overrides_;
  std::vector<std::string> skip_;
  std::vector<std::pair<std::regex, std::optional<quant::QuantFormat>>> override_res_;
  std::vector<std::regex> skip_res_;
};

// Shape [out, in] of a decoder Linear.
std::pair<int64_t, int64_t> proj_shape(const io::ModelConfig& c, model::Proj p);

}  // namespace slimlm::compress
