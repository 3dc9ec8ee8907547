#include "slimlm/search/sensitivity.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <regex>
#include <utility>

#include "slimlm/core/error.h"
#include "slimlm/core/log.h"
#include "slimlm/core/progress.h"
#include "slimlm/io/scoped_dir.h"
#include "slimlm/model/linear.h"
#include "slimlm/model/model.h"
#include "slimlm/search/trial_evaluator.h"

namespace slimlm::search {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// y = 0: in place of a block's output projection it removes the block's
// contribution to the residual stream, as dropping the layer does.
class ZeroLinear final : public model::Linear {
 public:
  ZeroLinear(int64_t in, int64_t out) : in_(in), out_(out) {}
  int64_t in_features() const override { return in_; }
  int64_t out_features() const override { return out_; }
  void forward(const float*, int64_t M, float* y) const override {
    std::memset(y, 0, static_cast<size_t>(M * out_) * sizeof(float));
  }
  uint64_t weight_bytes() const override { return 0; }
  uint64_t parameter_count() const override { return 0; }
  std::string_view kind() const override { return "zero"; }

 private:
  int64_t in_, out_;
};

using LinearSlot = std::unique_ptr<model::Linear> model::LayerWeights::*;
constexpr LinearSlot kSlots[] = {&model::LayerWeights::q,    &model::LayerWeights::k,  &model::LayerWeights::v,
                                 &model::LayerWeights::o,    &model::LayerWeights::gate, &model::LayerWeights::up,
                                 &model::LayerWeights::down};

// Swaps the given Linears of one layer between two weight sets on
// construction and back on destruction, so the original model is whole again
// whatever happens while it is borrowed.
class LayerSwap {
 public:
  LayerSwap(model::LayerWeights& a, model::LayerWeights& b, std::vector<LinearSlot> slots)
      : a_(a), b_(b), slots_(std::move(slots)) {
    for (LinearSlot s : slots_) std::swap(a_.*s, b_.*s);
  }
  ~LayerSwap() {
    for (LinearSlot s : slots_) std::swap(a_.*s, b_.*s);
  }
  LayerSwap(const LayerSwap&) = delete;
  LayerSwap& operator=(const LayerSwap&) = delete;

 private:
  model::LayerWeights& a_;
  model::LayerWeights& b_;
  std::vector<LinearSlot> slots_;
};

std::string folder_name(const std::string& variant) {
  std::string s = "variant-";
  for (char c : variant) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return s;
}

}  // namespace

std::vector<compress::PipelineStep> SensitivityVariant::pipeline() const {
  switch (kind) {
    case Kind::kQuantize:
      return {{"quantize", Json{{"method", "rtn"}, {"format", std::string(quant::to_string(format))}}}};
    case Kind::kPrune: {
      Json p{{"method", method}};
      if (pattern.empty()) p["sparsity"] = sparsity;
      else p["pattern"] = pattern;
      return {{"prune", p}};
    }
    case Kind::kDrop:
      return {};
  }
  return {};
}

SensitivityVariant parse_sensitivity_variant(std::string_view text) {
  SensitivityVariant v;
  v.name = std::string(text);
  if (text == "drop") {
    v.kind = SensitivityVariant::Kind::kDrop;
    return v;
  }
  if (const auto f = quant::format_from_string(text)) {
    v.kind = SensitivityVariant::Kind::kQuantize;
    v.format = *f;
    return v;
  }
  static const std::regex re("(magnitude|wanda|sparsegpt) +(([0-9]+(\\.[0-9]+)?)%|(0?\\.[0-9]+)|([0-9]+):([0-9]+))");
  std::cmatch m;
  const std::string s(text);
  if (!std::regex_match(s.c_str(), m, re)) {
    throw ConfigError(fmt::format("search.proxy.sensitivity: '{}' is not a variant; expected a format ({}), "
                                  "\"<magnitude|wanda|sparsegpt> <50% | 0.5 | 2:4>\" or \"drop\"",
                                  text, quant::format_list()));
  }
  v.kind = SensitivityVariant::Kind::kPrune;
  v.method = m[1].str();
  if (m[3].matched) {
    v.sparsity = std::stod(m[3].str()) / 100.0;
  } else if (m[5].matched) {
    v.sparsity = std::stod(m[5].str());
  } else {
    const int n = std::stoi(m[6].str()), mm = std::stoi(m[7].str());
    if (mm <= 0 || n <= 0 || n >= mm) {
      throw ConfigError(fmt::format("search.proxy.sensitivity: '{}': N:M needs 0 < N < M", text));
    }
    v.pattern = fmt::format("{}:{}", n, mm);
    v.sparsity = 1.0 - static_cast<double>(n) / mm;
  }
  if (!(v.sparsity > 0 && v.sparsity < 1)) {
    throw ConfigError(fmt::format("search.proxy.sensitivity: '{}': the sparsity must lie in (0, 1)", text));
  }
  return v;
}

const std::vector<double>* SensitivityTable::find(std::string_view variant) const {
  for (size_t i = 0; i < variants.size(); ++i) {
    if (variants[i] == variant) return &values[i];
  }
  return nullptr;
}

std::vector<registry::SensitivityRecord> SensitivityTable::to_records(int64_t study_id) const {
  std::vector<registry::SensitivityRecord> rows;
  for (size_t v = 0; v < variants.size(); ++v) {
    for (int64_t l = 0; l < layers; ++l) {
      rows.push_back({study_id, l, variants[v], metric, values[v][static_cast<size_t>(l)]});
    }
  }
  return rows;
}

std::optional<SensitivityTable> SensitivityTable::from_records(std::span<const registry::SensitivityRecord> rows,
                                                               std::span<const std::string> variants, int64_t layers,
                                                               std::string_view metric) {
  SensitivityTable t;
  t.metric = std::string(metric);
  t.layers = layers;
  t.variants.assign(variants.begin(), variants.end());
  const double nan = std::nan("");
  t.values.assign(variants.size(), std::vector<double>(static_cast<size_t>(layers), nan));
  for (const auto& r : rows) {
    if (r.metric != metric || r.layer < 0 || r.layer >= layers) continue;
    const auto it = std::find(variants.begin(), variants.end(), r.variant);
    if (it != variants.end()) t.values[static_cast<size_t>(it - variants.begin())][static_cast<size_t>(r.layer)] = r.value;
  }
  for (const auto& row : t.values) {
    for (double x : row) {
      if (std::isnan(x)) return std::nullopt;
    }
  }
  return t;
}

SensitivityTable measure_sensitivity(TrialEvaluator& evaluator, std::span<const SensitivityVariant> variants,
                                     const SensitivityOptions& options) {
  model::Model& original = evaluator.original();
  const int64_t L = original.num_layers();
  SensitivityTable table;
  table.layers = L;
  std::optional<ProgressBar> bar;
  if (options.progress && progress_enabled()) {
    bar.emplace(fmt::format("sensitivity: {} variants x {} layers", variants.size(), L),
                static_cast<uint64_t>(variants.size()) * static_cast<uint64_t>(L), "cell");
  }
  for (const SensitivityVariant& v : variants) {
    std::vector<double> row(static_cast<size_t>(L));
    if (v.kind == SensitivityVariant::Kind::kDrop) {
      for (int64_t l = 0; l < L; ++l) {
        model::LayerWeights& w = original.weights().layers[static_cast<size_t>(l)];
        model::LayerWeights zeros;
        zeros.o = std::make_unique<ZeroLinear>(w.o->in_features(), w.o->out_features());
        zeros.down = std::make_unique<ZeroLinear>(w.down->in_features(), w.down->out_features());
        const LayerSwap swap(w, zeros, {&model::LayerWeights::o, &model::LayerWeights::down});
        row[static_cast<size_t>(l)] = evaluator.kld_mean(original, options.windows);
        if (bar) bar->advance();
      }
    } else {
      const io::ScopedDir folder(options.scratch / folder_name(v.name));
      fs::create_directories(options.scratch);
      compress::run_pipeline(evaluator.original_dir(), folder.path(), v.pipeline(), options.pipeline);
      const auto compressed = model::Model::load(folder.path());
      if (compressed->num_layers() != L) {
        throw Error(fmt::format("sensitivity variant '{}': {} layers after compression, the original has {}", v.name,
                                compressed->num_layers(), L));
      }
      for (int64_t l = 0; l < L; ++l) {
        const LayerSwap swap(original.weights().layers[static_cast<size_t>(l)],
                             compressed->weights().layers[static_cast<size_t>(l)],
                             std::vector<LinearSlot>(std::begin(kSlots), std::end(kSlots)));
        row[static_cast<size_t>(l)] = evaluator.kld_mean(original, options.windows);
        if (bar) bar->advance();
      }
    }
    log::debug("sensitivity {}: {}", v.name, fmt::join(row, " "));
    table.variants.push_back(v.name);
    table.values.push_back(std::move(row));
  }
  if (bar) bar->finish();
  return table;
}

}  // namespace slimlm::search
