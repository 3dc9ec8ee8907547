#include "slimlm/compress/structured_heads.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <fmt/format.h>

#include "slimlm/compress/tensor_slice.h"
#include "slimlm/core/error.h"
#include "slimlm/model/layer_tensors.h"

namespace slimlm::compress {
namespace {

using model::WeightSlot;

double row_sq(const Tensor& t, int64_t r) {
  const int64_t C = t.dim(1);
  const float* p = t.data<float>() + r * C;
  double s = 0;
  for (int64_t j = 0; j < C; ++j) s += static_cast<double>(p[j]) * p[j];
  return s;
}

// ‖t[:, j]‖² for every column j.
std::vector<double> col_sq(const Tensor& t) {
  const int64_t R = t.dim(0), C = t.dim(1);
  std::vector<double> s(static_cast<size_t>(C), 0.0);
  const float* p = t.data<float>();
  for (int64_t r = 0; r < R; ++r) {
    for (int64_t j = 0; j < C; ++j) s[static_cast<size_t>(j)] += static_cast<double>(p[r * C + j]) * p[r * C + j];
  }
  return s;
}

}  // namespace

std::vector<int64_t> top_indices(std::span<const double> score, int64_t keep) {
  std::vector<int64_t> idx(score.size());
  std::iota(idx.begin(), idx.end(), int64_t{0});
  std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) {
    return score[static_cast<size_t>(a)] > score[static_cast<size_t>(b)];
  });
  idx.resize(static_cast<size_t>(std::clamp<int64_t>(keep, 0, static_cast<int64_t>(idx.size()))));
  std::sort(idx.begin(), idx.end());
  return idx;
}

Tensor& tensor_named(io::NamedTensors& tensors, const std::string& name) {
  for (auto& [n, t] : tensors) {
    if (n == name) return t;
  }
  throw Error(fmt::format("tensor '{}' is not in the checkpoint", name));
}

std::vector<double> query_head_magnitude(const Tensor& q, const Tensor& o, const io::ModelConfig& c) {
  const int64_t H = c.num_attention_heads, D = c.head_dim;
  const std::vector<double> oc = col_sq(o);
  std::vector<double> s(static_cast<size_t>(H), 0.0);
  for (int64_t h = 0; h < H; ++h) {
    for (int64_t r = h * D; r < (h + 1) * D; ++r) s[static_cast<size_t>(h)] += row_sq(q, r) + oc[static_cast<size_t>(r)];
  }
  return s;
}

std::vector<double> query_head_activation(const Tensor& o, std::span<const double> o_input_sq_sum,
                                          const io::ModelConfig& c) {
  const int64_t H = c.num_attention_heads, D = c.head_dim;
  if (static_cast<int64_t>(o_input_sq_sum.size()) != c.q_dim()) {
    throw Error(fmt::format("query_head_activation: {} input norms for {} o_proj inputs", o_input_sq_sum.size(),
                            c.q_dim()));
  }
  const std::vector<double> oc = col_sq(o);
  std::vector<double> s(static_cast<size_t>(H), 0.0);
  for (int64_t h = 0; h < H; ++h) {
    for (int64_t j = h * D; j < (h + 1) * D; ++j) {
      s[static_cast<size_t>(h)] += o_input_sq_sum[static_cast<size_t>(j)] * oc[static_cast<size_t>(j)];
    }
  }
  return s;
}

std::vector<double> head_group_scores(std::span<const double> query_scores, const io::ModelConfig& c,
                                      const Tensor* k, const Tensor* v) {
  const int64_t Hkv = c.num_key_value_heads, G = c.num_attention_heads / Hkv, D = c.head_dim;
  std::vector<double> s(static_cast<size_t>(Hkv), 0.0);
  for (int64_t g = 0; g < Hkv; ++g) {
    for (int64_t h = g * G; h < (g + 1) * G; ++h) s[static_cast<size_t>(g)] += query_scores[static_cast<size_t>(h)];
    for (int64_t r = g * D; r < (g + 1) * D; ++r) {
      if (k) s[static_cast<size_t>(g)] += row_sq(*k, r);
      if (v) s[static_cast<size_t>(g)] += row_sq(*v, r);
    }
  }
  return s;
}

int64_t heads_kept(const io::ModelConfig& c, HeadUnit unit, double ratio) {
  if (!(ratio > 0.0 && ratio < 1.0)) {
    throw ConfigError(fmt::format("--ratio {}: the fraction of heads removed must lie strictly between 0 and 1", ratio));
  }
  const int64_t Hkv = c.num_key_value_heads, G = c.num_attention_heads / Hkv;
  const int64_t units = unit == HeadUnit::kGroup ? Hkv : G;
  const int64_t removed = static_cast<int64_t>(std::llround(ratio * static_cast<double>(units)));
  const int64_t kept = std::max<int64_t>(1, units - removed);
  if (kept == units) {
    throw ConfigError(fmt::format(
        "--ratio {}: with {} {} per layer nothing is removed at this ratio ({} query heads, {} key/value heads)",
        ratio, units, unit == HeadUnit::kGroup ? "GQA groups" : "query heads per group", c.num_attention_heads, Hkv));
  }
  return kept;
}

HeadPlan plan_heads(std::span<const double> query_scores, const io::ModelConfig& c, HeadUnit unit, int64_t kept,
                    const Tensor* k, const Tensor* v) {
  const int64_t Hkv = c.num_key_value_heads, G = c.num_attention_heads / Hkv;
  HeadPlan plan;
  if (unit == HeadUnit::kGroup) {
    plan.kv_keep = top_indices(head_group_scores(query_scores, c, k, v), kept);
    for (int64_t g : plan.kv_keep) {
      for (int64_t h = g * G; h < (g + 1) * G; ++h) plan.q_keep.push_back(h);
    }
    return plan;
  }
  for (int64_t g = 0; g < Hkv; ++g) {
    plan.kv_keep.push_back(g);
    for (int64_t h : top_indices(query_scores.subspan(static_cast<size_t>(g * G), static_cast<size_t>(G)), kept)) {
      plan.q_keep.push_back(g * G + h);
    }
  }
  return plan;
}

void remove_heads(io::NamedTensors& tensors, const io::ModelConfig& c, int64_t layer, const HeadPlan& plan) {
  const int64_t D = c.head_dim;
  const std::vector<int64_t> q_rows = expand_blocks(plan.q_keep, D);
  const std::vector<int64_t> kv_rows = expand_blocks(plan.kv_keep, D);
  auto cut = [&](WeightSlot slot, bool bias, bool columns, const std::vector<int64_t>& idx) {
    const std::string name = model::layer_tensor_name(c, layer, slot, bias);
    if (name.empty()) return;
    Tensor& t = tensor_named(tensors, name);
    t = columns ? select_cols(t, idx) : select_rows(t, idx);
  };
  cut(WeightSlot::kQ, false, false, q_rows);
  cut(WeightSlot::kQ, true, false, q_rows);
  cut(WeightSlot::kK, false, false, kv_rows);
  cut(WeightSlot::kK, true, false, kv_rows);
  cut(WeightSlot::kV, false, false, kv_rows);
  cut(WeightSlot::kV, true, false, kv_rows);
  cut(WeightSlot::kO, false, true, q_rows);  // o's bias is per output: unchanged
}

void patch_config_heads(nlohmann::ordered_json& config, const io::ModelConfig& c, const HeadPlan& plan) {
  config["num_attention_heads"] = static_cast<int64_t>(plan.q_keep.size());
  config["num_key_value_heads"] = static_cast<int64_t>(plan.kv_keep.size());
  config["head_dim"] = c.head_dim;
}

}  // namespace slimlm::compress
