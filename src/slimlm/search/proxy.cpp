#include "slimlm/search/proxy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <regex>

#include "slimlm/compress/pipeline_step.h"
#include "slimlm/core/error.h"
#include "slimlm/io/checkpoint.h"

namespace slimlm::search {
namespace {

using Kind = SensitivityVariant::Kind;

// "model.layers.3.self_attn.q_proj.weight" -> layer 3, projection "q_proj".
struct TensorRole {
  int64_t layer = -1;
  std::string proj;  // "" for anything but a decoder Linear's weight
};

TensorRole role_of(const std::string& name) {
  static const std::regex re(R"(^model\.layers\.(\d+)\.(self_attn|mlp)\.(q|k|v|o|gate|up|down)_proj\.weight$)");
  static const std::regex layer_re(R"(^model\.layers\.(\d+)\.)");
  std::smatch m;
  TensorRole r;
  if (std::regex_match(name, m, re)) {
    r.layer = std::stoll(m[1].str());
    r.proj = m[3].str();
  } else if (std::regex_search(name, m, layer_re)) {
    r.layer = std::stoll(m[1].str());
  }
  return r;
}

bool is_attention(const std::string& proj) { return proj == "q" || proj == "k" || proj == "v" || proj == "o"; }

// One tensor of the predicted checkpoint, enough to size the file and its header.
struct OutTensor {
  std::string name;
  std::string_view dtype;  // safetensors name
  std::vector<int64_t> shape;
  uint64_t bytes = 0;
};

std::string_view st_name(DType t) { return dtype_traits(t).safetensors_name; }

void add_quantized(std::vector<OutTensor>& out, const std::string& module, quant::QuantFormat f, int64_t rows,
                   int64_t cols) {
  const auto& t = quant::format_traits(f);
  const int64_t words = t.words_per_row(cols), groups = t.groups_per_row(cols);
  const uint64_t packed = static_cast<uint64_t>(rows * words) * 4;
  const uint64_t scales = dtype_bytes(t.scale_dtype, static_cast<uint64_t>(rows * groups));
  const uint64_t total = quant::storage_bytes(f, rows, cols);
  out.push_back({module + ".weight_packed", "I32", {rows, words}, packed});
  out.push_back({module + ".weight_scale", st_name(t.scale_dtype), {rows, groups}, scales});
  if (!t.symmetric && total > packed + scales) {
    out.push_back({module + ".weight_zero_point", "I32", {(rows * t.zero_bits + 31) / 32, groups}, total - packed - scales});
  }
  out.push_back({module + ".weight_shape", "I64", {2}, 16});
}

// Length of the safetensors header JSON as the writer lays it out, padded to 8.
uint64_t header_bytes(const std::vector<OutTensor>& tensors) {
  uint64_t n = std::string_view(R"({"__metadata__":{"format":"pt"})").size() + 1;  // + closing brace
  uint64_t offset = 0;
  for (const auto& t : tensors) {
    std::string shape;
    for (int64_t d : t.shape) shape += (shape.empty() ? "" : ",") + std::to_string(d);
    n += fmt::formatted_size(R"(,"{}":{{"dtype":"{}","shape":[{}],"data_offsets":[{},{}]}})", t.name, t.dtype, shape,
                             offset, offset + t.bytes);
    offset += t.bytes;
  }
  return 8 + (n + 7) / 8 * 8;
}

// Layers a "drop N layers by block influence" step would remove, as far as
// the proxy can tell: the N whose removal the sensitivity table says costs
// least (the same criterion, measured as KLD), else the last N.
std::vector<int64_t> layers_to_drop(int64_t count, int64_t L, const std::vector<double>* drop) {
  std::vector<int64_t> order(static_cast<size_t>(L));
  std::iota(order.begin(), order.end(), int64_t{0});
  if (drop) {
    std::stable_sort(order.begin(), order.end(),
                     [&](int64_t a, int64_t b) { return (*drop)[static_cast<size_t>(a)] < (*drop)[static_cast<size_t>(b)]; });
  } else {
    std::reverse(order.begin(), order.end());
  }
  order.resize(static_cast<size_t>(std::clamp<int64_t>(count, 0, L)));
  return order;
}

}  // namespace

std::vector<CheckpointTensor> read_checkpoint_tensors(const std::filesystem::path& model_dir) {
  const io::Checkpoint ck = io::Checkpoint::open(model_dir);
  std::vector<CheckpointTensor> out;
  for (const auto& name : ck.tensor_names()) {
    const auto& info = ck.info(name);
    out.push_back({name, std::vector<int64_t>(info.shape.begin(), info.shape.end()), info.dtype, info.nbytes()});
  }
  return out;
}

Proxy::Proxy(SensitivityTable sensitivity, io::ModelConfig model, std::vector<CheckpointTensor> tensors,
             MetricValues original)
    : sensitivity_(std::move(sensitivity)), model_(std::move(model)), tensors_(std::move(tensors)),
      original_(std::move(original)) {
  for (const auto& v : sensitivity_.variants) variants_.push_back(parse_sensitivity_variant(v));
  original_bytes_ = predict({}).file_bytes;
}

double Proxy::quant_term(quant::QuantFormat f, int64_t l) const {
  const double b = quant::nominal_bits_per_weight(f);
  double lo_b = -1, lo_s = 0, hi_b = -1, hi_s = 0;
  for (size_t i = 0; i < variants_.size(); ++i) {
    if (variants_[i].kind != Kind::kQuantize) continue;
    const double s = sensitivity_.values[i][static_cast<size_t>(l)];
    if (variants_[i].format == f) return s;
    const double vb = quant::nominal_bits_per_weight(variants_[i].format);
    if (vb <= b && (lo_b < 0 || vb > lo_b)) lo_b = vb, lo_s = s;
    if (vb > b && (hi_b < 0 || vb < hi_b)) hi_b = vb, hi_s = s;
  }
  if (lo_b >= 0 && hi_b >= 0 && lo_s > 0 && hi_s > 0) {
    const double t = (b - lo_b) / (hi_b - lo_b);
    return std::exp(std::log(lo_s) + t * (std::log(hi_s) - std::log(lo_s)));
  }
  // Noise power of uniform quantization falls by 4x per bit.
  if (hi_b >= 0 && (lo_b < 0 || hi_b - b < b - lo_b)) return hi_s * std::pow(4.0, hi_b - b);
  if (lo_b >= 0) return lo_s * std::pow(4.0, lo_b - b);
  return 0;
}

double Proxy::prune_term(const std::string& method, double p, const std::string& pattern, int64_t l) const {
  if (p <= 0) return 0;
  int best = -1;
  bool best_same_method = false;
  double best_gap = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < variants_.size(); ++i) {
    const SensitivityVariant& v = variants_[i];
    if (v.kind != Kind::kPrune) continue;
    const bool same_method = v.method == method;
    if (same_method && v.pattern == pattern && std::abs(v.sparsity - p) < 1e-9) {
      return sensitivity_.values[i][static_cast<size_t>(l)];
    }
    const double gap = std::abs(std::log(v.sparsity / p));
    if (best < 0 || (same_method && !best_same_method) || (same_method == best_same_method && gap < best_gap)) {
      best = static_cast<int>(i), best_same_method = same_method, best_gap = gap;
    }
  }
  if (best < 0) return 0;
  const double p0 = variants_[static_cast<size_t>(best)].sparsity;
  return sensitivity_.values[static_cast<size_t>(best)][static_cast<size_t>(l)] * (p / p0) * (p / p0);
}

double Proxy::drop_term(int64_t l) const {
  if (const auto* d = sensitivity_.find("drop")) return (*d)[static_cast<size_t>(l)];
  // Unmeasured: removing a layer is taken to hurt 4x more than the harshest
  // measured compression of it.
  double worst = 0;
  for (const auto& row : sensitivity_.values) worst = std::max(worst, row[static_cast<size_t>(l)]);
  return 4 * worst;
}

ProxyPrediction Proxy::predict(const std::vector<compress::PipelineStep>& steps) const {
  const std::vector<compress::StepSpec> specs = compress::parse_pipeline(steps);
  const int64_t L = model_.num_hidden_layers;
  const compress::StepSpec* prune = nullptr;
  const compress::StepSpec* quantize = nullptr;
  std::vector<bool> dropped(static_cast<size_t>(L), false);
  double heads = 0, channels = 0;
  bool query_heads_only = false;
  for (const auto& s : specs) {
    if (s.noop) continue;
    if (s.op == "prune") prune = &s;
    if (s.op == "quantize") quantize = &s;
    if (s.op == "prune_heads") {
      heads = s.structured().options.ratio;
      query_heads_only = s.structured().options.head_unit == compress::HeadUnit::kQuery;
    }
    if (s.op == "prune_channels") channels = s.structured().options.ratio;
    if (s.op == "drop_layers") {
      const auto& st = s.structured();
      const std::vector<int64_t> list =
          st.drop_count > 0 ? layers_to_drop(st.drop_count, L, sensitivity_.find("drop")) : st.options.drop_layers;
      for (int64_t l : list) {
        if (l >= 0 && l < L) dropped[static_cast<size_t>(l)] = true;
      }
    }
  }

  // Shapes after structured removal, in whole heads / channels.
  const int64_t H = model_.num_attention_heads, Hkv = std::max<int64_t>(model_.num_key_value_heads, 1);
  int64_t kv_kept = Hkv, q_kept = H;
  if (heads > 0) {
    if (query_heads_only) {
      q_kept = std::max<int64_t>(Hkv, H - std::llround(heads * static_cast<double>(H)));
    } else {
      kv_kept = std::max<int64_t>(1, Hkv - std::llround(heads * static_cast<double>(Hkv)));
      q_kept = kv_kept * (H / Hkv);
    }
  }
  const int64_t F = model_.intermediate_size;
  const int64_t f_kept = std::max<int64_t>(1, F - std::llround(channels * static_cast<double>(F)));

  ProxyPrediction p;
  p.layer_kld.assign(static_cast<size_t>(L), 0.0);
  std::vector<OutTensor> out;
  uint64_t elems_before = 0, elems_after = 0, attn_elems = 0, layer_elems = 0;
  for (const CheckpointTensor& t : tensors_) {
    const TensorRole r = role_of(t.name);
    const uint64_t numel = std::accumulate(t.shape.begin(), t.shape.end(), uint64_t{1},
                                           [](uint64_t a, int64_t d) { return a * static_cast<uint64_t>(d); });
    elems_before += numel;
    if (!r.proj.empty() && r.layer == 0) {
      layer_elems += numel;
      if (is_attention(r.proj)) attn_elems += numel;
    }
    if (r.layer >= 0 && r.layer < L && dropped[static_cast<size_t>(r.layer)]) continue;
    std::vector<int64_t> shape = t.shape;
    if (!r.proj.empty() && shape.size() == 2) {
      const int64_t D = model_.head_dim;
      if (r.proj == "q") shape[0] = q_kept * D;
      if (r.proj == "k" || r.proj == "v") shape[0] = kv_kept * D;
      if (r.proj == "o") shape[1] = q_kept * D;
      if (r.proj == "gate" || r.proj == "up") shape[0] = f_kept;
      if (r.proj == "down") shape[1] = f_kept;
    }
    const uint64_t kept = std::accumulate(shape.begin(), shape.end(), uint64_t{1},
                                          [](uint64_t a, int64_t d) { return a * static_cast<uint64_t>(d); });
    elems_after += kept;
    const std::string module = t.name.ends_with(".weight") ? t.name.substr(0, t.name.size() - 7) : t.name;

    // What the last quantizing step does to this tensor.
    std::optional<quant::QuantFormat> format;
    if (quantize && shape.size() == 2 && (!r.proj.empty() || t.name == "lm_head.weight")) {
      const compress::QuantizeSpec& q = quantize->quantize();
      bool skip = t.name == "lm_head.weight" && (!q.lm_head || model_.tie_word_embeddings);
      for (const auto& rx : q.skip) skip = skip || std::regex_search(t.name, std::regex(rx));
      if (!skip) {
        format = q.method == "smoothquant" ? quant::QuantFormat::kInt8 : q.format;
        if (const auto it = q.layer_formats.find(r.layer); r.layer >= 0 && it != q.layer_formats.end()) format = it->second;
      }
    }
    if (prune && !r.proj.empty() && prune->prune().options.quantize) format = prune->prune().options.quantize;
    const bool sparse24 = prune && !r.proj.empty() && prune->prune().options.storage == compress::SparseStorage::kSparse24;

    if (format) {
      add_quantized(out, module, *format, shape[0], shape[1]);
    } else if (sparse24) {
      out.push_back({module + ".shape", "I64", {2, 1}, 16});
      out.push_back({module + ".compressed", st_name(t.dtype), {shape[0], shape[1] / 2},
                     dtype_bytes(t.dtype, static_cast<uint64_t>(shape[0] * (shape[1] / 2)))});
      out.push_back({module + ".bitmask", "U8", {shape[0], (shape[1] + 7) / 8}, static_cast<uint64_t>(shape[0] * ((shape[1] + 7) / 8))});
    } else {
      out.push_back({t.name, st_name(t.dtype), shape, dtype_bytes(t.dtype, kept)});
    }
  }

  // Quality: the additive per-layer model.
  const double attn_share = layer_elems ? static_cast<double>(attn_elems) / static_cast<double>(layer_elems) : 0.5;
  for (int64_t l = 0; l < L; ++l) {
    double term = 0;
    if (dropped[static_cast<size_t>(l)]) {
      term = drop_term(l);
    } else {
      ++p.layers_kept;
      if (prune) {
        const auto& o = prune->prune().options;
        term += prune_term(std::string(compress::to_string(o.method)), o.pattern.sparsity(),
                           o.pattern.is_nm() ? o.pattern.to_string() : "", l);
        if (o.quantize) term += quant_term(*o.quantize, l);
      }
      const double removed_q = 1.0 - static_cast<double>(q_kept) / static_cast<double>(std::max<int64_t>(H, 1));
      const double removed_f = 1.0 - static_cast<double>(f_kept) / static_cast<double>(std::max<int64_t>(F, 1));
      if (removed_q > 0) term += removed_q * attn_share * drop_term(l);
      if (removed_f > 0) term += removed_f * (1 - attn_share) * drop_term(l);
      if (quantize) {
        const compress::QuantizeSpec& q = quantize->quantize();
        std::optional<quant::QuantFormat> f = q.method == "smoothquant" ? quant::QuantFormat::kInt8 : q.format;
        if (const auto it = q.layer_formats.find(l); it != q.layer_formats.end()) f = it->second;
        if (f) term += quant_term(*f, l);
      }
    }
    p.layer_kld[static_cast<size_t>(l)] = term;
    p.kld += term;
  }

  uint64_t data = 0;
  for (const auto& t : out) data += t.bytes;
  p.file_bytes = data + header_bytes(out);
  p.element_ratio = elems_before ? static_cast<double>(elems_after) / static_cast<double>(elems_before) : 1.0;
  return p;
}

MetricValues Proxy::predicted_metrics(const ProxyPrediction& p) const {
  MetricValues m = original_;
  const double r = original_bytes_ ? static_cast<double>(p.file_bytes) / static_cast<double>(original_bytes_) : 1.0;
  const double k = p.kld;
  const auto scale = [&](const std::string& name, double factor) {
    if (const auto it = m.find(name); it != m.end()) it->second *= factor;
  };
  for (auto& [name, value] : m) {
    if (name.starts_with("speed/")) value /= r;
    else if (name.starts_with("energy/") && name != "energy/carbon_intensity" && name != "energy/estimated") value *= r;
    else if (name.ends_with("/acc") || name.ends_with("/acc_norm") || name.ends_with("/acc_micro") ||
             name.find("exact_match") != std::string::npos) value *= std::exp(-k);
  }
  m["kld/mean"] = k;
  m["kld/p99"] = k;  // a monotone stand-in: the tail is not modelled
  m["kld/same_top1"] = std::exp(-k);
  m["kld/ppl_ratio"] = std::exp(k);
  scale("perplexity/ppl", std::exp(k));
  if (const auto it = m.find("perplexity/mean_nll"); it != m.end()) it->second += k;
  m["model/file_bytes"] = static_cast<double>(p.file_bytes);
  scale("model/weight_bytes", r);
  scale("model/parameters", p.element_ratio);
  scale("model/bits_per_weight", p.element_ratio > 0 ? r / p.element_ratio : 1.0);
  if (model_.num_hidden_layers > 0) {
    scale("model/kv_bytes_per_token", static_cast<double>(p.layers_kept) / static_cast<double>(model_.num_hidden_layers));
  }
  scale("memory/peak_rss", r);
  scale("run/seconds", r);
  return m;
}

std::vector<double> Proxy::objectives(const ProxyPrediction& p, std::span<const Objective> objectives) const {
  const MetricValues m = predicted_metrics(p);
  std::vector<double> out;
  for (const Objective& o : objectives) {
    const auto v = metric_value(m, o.metric);
    out.push_back(v ? *v : std::numeric_limits<double>::quiet_NaN());
  }
  return out;
}

std::vector<size_t> rank_by_prediction(std::span<const Point> points, std::span<const double> violations) {
  std::vector<size_t> order;
  for (const auto& front : non_dominated_sort(points, violations)) {
    const std::vector<double> crowd = crowding_distance(points, front);
    std::vector<size_t> idx(front.size());
    std::iota(idx.begin(), idx.end(), size_t{0});
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return crowd[a] > crowd[b]; });
    for (size_t i : idx) order.push_back(front[i]);
  }
  return order;
}

namespace {

std::vector<double> ranks(std::span<const double> x) {
  std::vector<size_t> idx(x.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && x[idx[j + 1]] == x[idx[i]]) ++j;
    const double mean_rank = 0.5 * static_cast<double>(i + j) + 1.0;
    for (size_t k = i; k <= j; ++k) r[idx[k]] = mean_rank;
    i = j + 1;
  }
  return r;
}

}  // namespace

double spearman_rho(std::span<const double> x, std::span<const double> y) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (x.size() != y.size() || x.size() < 2) return nan;
  const std::vector<double> rx = ranks(x), ry = ranks(y);
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / n, my = std::accumulate(ry.begin(), ry.end(), 0.0) / n;
  double sxy = 0, sxx = 0, syy = 0;
  for (size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  if (sxx <= 0 || syy <= 0) return nan;
  return sxy / std::sqrt(sxx * syy);
}

std::vector<std::pair<std::string, double>> proxy_rank_correlation(std::span<const registry::TrialRecord> trials,
                                                                   std::span<const Objective> objectives) {
  std::vector<std::pair<std::string, double>> out;
  for (size_t i = 0; i < objectives.size(); ++i) {
    std::vector<double> predicted, measured;
    for (const auto& t : trials) {
      if (t.state != registry::TrialState::kComplete || t.objectives.size() != objectives.size() ||
          t.proxy_objectives.size() != objectives.size()) {
        continue;
      }
      if (!std::isfinite(t.objectives[i]) || !std::isfinite(t.proxy_objectives[i])) continue;
      predicted.push_back(t.proxy_objectives[i]);
      measured.push_back(t.objectives[i]);
    }
    out.emplace_back(objectives[i].metric, spearman_rho(predicted, measured));
  }
  return out;
}

}  // namespace slimlm::search
