#pragma once
// Removing attention heads, as a genuinely smaller dense model: config.json
// gets the new num_attention_heads and num_key_value_heads and an explicit
// head_dim (hidden_size / heads no longer gives it).
//
// With grouped-query attention a key/value head serves G = H / Hkv query
// heads. Two units of removal keep q/k/v/o consistent:
//   group  whole GQA groups: the group's G query heads (q_proj rows, o_proj
//          columns) and its key/value head (k_proj, v_proj rows), biases
//          included;
//   query  the same number of query heads in every group (q_proj rows,
//          o_proj columns); k and v stay. Finer steps when Hkv is small
//          (2 groups allow only 0 or 50 % by groups).
// transformers builds every layer from the one config, so every layer
// keeps the same count (each its own most important heads).
//
// Importance of a query head h (its D features j of o_proj's input):
//   magnitude   Σ w² over its q_proj rows and o_proj columns (no data);
//   activation  Σ_j ‖X_j‖² · ‖W_o[:, j]‖²: the expected energy the head
//               writes into the residual stream, assuming independent
//               features (the structured form of Wanda's |W|·‖X‖ score).
// A group's importance is its query heads' sum (magnitude adds its k and v
// rows' Σ w²).
#include <cstdint>
#include <span>
#include <vector>

#include <nlohmann/json.hpp>

#include "slimlm/core/tensor.h"
#include "slimlm/io/model_config.h"
#include "slimlm/io/safetensors_writer.h"

namespace slimlm::compress {

enum class HeadUnit : uint8_t { kGroup = 0, kQuery = 1 };

// Per query head [H]: f32 q [H·D, C] and o [C, H·D].
std::vector<double> query_head_magnitude(const Tensor& q, const Tensor& o, const io::ModelConfig& c);
// Per query head [H]: o f32 [C, H·D], o_input_sq_sum [H·D] = Σ_t x_tj² of
// o_proj's inputs.
std::vector<double> query_head_activation(const Tensor& o, std::span<const double> o_input_sq_sum,
                                          const io::ModelConfig& c);
// Per group [Hkv]: the sum of its query heads' scores, plus Σ w² of its k
// and v rows when k and v are given (f32 [Hkv·D, C]).
std::vector<double> head_group_scores(std::span<const double> query_scores, const io::ModelConfig& c,
                                      const Tensor* k = nullptr, const Tensor* v = nullptr);

// What one layer keeps, ascending: key/value heads and query heads (global
// indices; query head h belongs to group h / G of the original layout).
struct HeadPlan {
  std::vector<int64_t> kv_keep;
  std::vector<int64_t> q_keep;
};

// How many units each layer keeps when a fraction `ratio` goes:
// groups Hkv − round(ratio · Hkv), query heads per group G − round(ratio · G),
// at least 1. Throws ConfigError naming --ratio when nothing would go.
int64_t heads_kept(const io::ModelConfig& c, HeadUnit unit, double ratio);

// The plan keeping `kept` units by the query heads' scores.
HeadPlan plan_heads(std::span<const double> query_scores, const io::ModelConfig& c, HeadUnit unit, int64_t kept,
                    const Tensor* k = nullptr, const Tensor* v = nullptr);

// Cuts layer `layer`'s q/k/v/o weights and biases in `tensors` (checkpoint
// names, any float dtype) to the plan.
void remove_heads(io::NamedTensors& tensors, const io::ModelConfig& c, int64_t layer, const HeadPlan& plan);

// config.json after every layer follows a plan of these sizes.
void patch_config_heads(nlohmann::ordered_json& config, const io::ModelConfig& c, const HeadPlan& plan);

// Shared by the structured passes: the `keep` highest scores' indices,
// ascending (ties: the lower index is kept).
std::vector<int64_t> top_indices(std::span<const double> score, int64_t keep);

// The tensor called `name` in `tensors`; throws Error when absent.
Tensor& tensor_named(io::NamedTensors& tensors, const std::string& name);

}  // namespace slimlm::compress
