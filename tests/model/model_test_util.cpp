#include "model_test_util.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numbers>
#include <random>

#include <fmt/format.h>

#include "slimlm/core/convert.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/kernels/ref/reference_ops.h"

namespace slimlm::testing {

ScratchDir::ScratchDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string stem = info ? std::string(info->test_suite_name()) + "." + info->name() : "model";
  std::replace(stem.begin(), stem.end(), '/', '_');
  path_ = std::filesystem::temp_directory_path() /
          fmt::format("slimlm-model-{}-{}", stem, std::random_device{}());
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

namespace {

nlohmann::json patched(nlohmann::json base, const nlohmann::json& patch) {
  base.merge_patch(patch);
  return base;
}

// HF names and shapes, written out here rather than taken from
// model/weight_names.cpp so that the table is tested, not trusted.
std::vector<std::pair<std::string, Shape>> hf_tensors(const io::ModelConfig& c) {
  const int64_t C = c.hidden_size, F = c.intermediate_size, Q = c.q_dim(), KV = c.kv_dim();
  std::vector<std::pair<std::string, Shape>> w = {{"model.embed_tokens.weight", {c.vocab_size, C}}};
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = fmt::format("model.layers.{}.", i);
    w.push_back({p + "input_layernorm.weight", {C}});
    w.push_back({p + "self_attn.q_proj.weight", {Q, C}});
    w.push_back({p + "self_attn.k_proj.weight", {KV, C}});
    w.push_back({p + "self_attn.v_proj.weight", {KV, C}});
    w.push_back({p + "self_attn.o_proj.weight", {C, Q}});
    if (c.attention_bias) {
      w.push_back({p + "self_attn.q_proj.bias", {Q}});
      w.push_back({p + "self_attn.k_proj.bias", {KV}});
      w.push_back({p + "self_attn.v_proj.bias", {KV}});
    }
    if (c.attention_output_bias) w.push_back({p + "self_attn.o_proj.bias", {C}});
    w.push_back({p + "post_attention_layernorm.weight", {C}});
    w.push_back({p + "mlp.gate_proj.weight", {F, C}});
    w.push_back({p + "mlp.up_proj.weight", {F, C}});
    w.push_back({p + "mlp.down_proj.weight", {C, F}});
    if (c.mlp_bias) {
      w.push_back({p + "mlp.gate_proj.bias", {F}});
      w.push_back({p + "mlp.up_proj.bias", {F}});
      w.push_back({p + "mlp.down_proj.bias", {C}});
    }
  }
  w.push_back({"model.norm.weight", {C}});
  if (!c.tie_word_embeddings) w.push_back({"lm_head.weight", {c.vocab_size, C}});
  return w;
}

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

nlohmann::json llama_config(const nlohmann::json& patch) {
  return patched(nlohmann::json::parse(R"({
    "architectures": ["LlamaForCausalLM"], "model_type": "llama",
    "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16,
    "max_position_embeddings": 128, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
    "vocab_size": 50, "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2,
    "hidden_act": "silu", "attention_bias": false, "mlp_bias": false, "torch_dtype": "float32"
  })"), patch);
}

nlohmann::json qwen2_config(const nlohmann::json& patch) {
  return patched(nlohmann::json::parse(R"({
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2",
    "hidden_size": 48, "intermediate_size": 80, "num_hidden_layers": 3,
    "num_attention_heads": 6, "num_key_value_heads": 2,
    "max_position_embeddings": 256, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
    "vocab_size": 40, "tie_word_embeddings": true, "bos_token_id": 0, "eos_token_id": 0,
    "hidden_act": "silu", "use_sliding_window": false, "sliding_window": 4096,
    "max_window_layers": 3, "torch_dtype": "bfloat16"
  })"), patch);
}

nlohmann::json mistral_config(const nlohmann::json& patch) {
  return patched(nlohmann::json::parse(R"({
    "architectures": ["MistralForCausalLM"], "model_type": "mistral",
    "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2,
    "num_attention_heads": 4, "num_key_value_heads": 1,
    "max_position_embeddings": 512, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
    "vocab_size": 30, "tie_word_embeddings": false, "bos_token_id": 1, "eos_token_id": 2,
    "hidden_act": "silu", "sliding_window": 6, "torch_dtype": "bfloat16"
  })"), patch);
}

Tensor& find_tensor(io::NamedTensors& tensors, const std::string& name) {
  for (auto& [n, t] : tensors) {
    if (n == name) return t;
  }
  throw std::runtime_error("test: no tensor " + name);
}

io::ModelConfig write_checkpoint(const std::filesystem::path& dir, const nlohmann::json& config,
                                 const CheckpointOptions& opts) {
  std::filesystem::create_directories(dir);
  const std::string text = config.dump(2);
  {
    std::ofstream out(dir / "config.json", std::ios::binary);
    out << text;
  }
  const io::ModelConfig c = io::parse_hf_config(text, (dir / "config.json").string());

  std::mt19937 rng(opts.seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  io::NamedTensors tensors;
  for (const auto& [name, shape] : hf_tensors(c)) {
    Tensor f = Tensor::empty(DType::kF32, shape);
    float* p = f.mutable_data<float>();
    const bool norm = ends_with(name, "norm.weight");
    const bool bias = ends_with(name, ".bias");
    const float scale = norm ? 0.1f
                        : bias ? 0.1f
                        : shape.size() == 2 && name.find("embed") == std::string::npos
                            ? 1.0f / std::sqrt(static_cast<float>(shape[1]))
                            : 0.5f;
    for (uint64_t i = 0; i < f.numel(); ++i) p[i] = (norm ? 1.0f : 0.0f) + scale * normal(rng);
    tensors.emplace_back(name, opts.dtype == DType::kF32 ? f : f.to(opts.dtype));
  }
  if (opts.edit) opts.edit(tensors);
  if (opts.shards <= 1) {
    io::write_safetensors(dir / "model.safetensors", tensors, {{"format", "pt"}});
    return c;
  }
  nlohmann::json index = {{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  const size_t per = (tensors.size() + opts.shards - 1) / static_cast<size_t>(opts.shards);
  for (int s = 0; s < opts.shards; ++s) {
    const std::string file = fmt::format("model-{:05d}-of-{:05d}.safetensors", s + 1, opts.shards);
    io::NamedTensors part;
    for (size_t i = s * per; i < std::min(tensors.size(), (s + 1) * per); ++i) {
      part.push_back(tensors[i]);
      index["weight_map"][tensors[i].first] = file;
    }
    io::write_safetensors(dir / file, part, {{"format", "pt"}});
  }
  std::ofstream(dir / "model.safetensors.index.json") << index.dump(2);
  return c;
}

namespace {

// f64 inverse frequencies straight from the formulas (transformers'
// modeling_rope_utils), without mimicking its f32 steps.
std::vector<float> reference_inv_freq(const io::ModelConfig& c) {
  const int64_t D = c.head_dim;
  std::vector<float> out;
  const auto& s = c.rope_scaling;
  for (int64_t i = 0; i < D / 2; ++i) {
    double f = 1.0 / std::pow(c.rope_theta, double(2 * i) / double(D));
    if (s.type == io::RopeScalingType::kLinear) f /= s.factor;
    if (s.type == io::RopeScalingType::kLlama3) {
      const double old_len = double(s.original_max_position_embeddings);
      const double wavelen = 2 * std::numbers::pi / f;
      if (wavelen > old_len / s.low_freq_factor) {
        f /= s.factor;
      } else if (wavelen >= old_len / s.high_freq_factor) {
        const double smooth = (old_len / wavelen - s.low_freq_factor) /
                              (s.high_freq_factor - s.low_freq_factor);
        f = (1 - smooth) * f / s.factor + smooth * f;
      }
    }
    out.push_back(static_cast<float>(f));
  }
  return out;
}

int64_t reference_window(const io::ModelConfig& c, int64_t layer) {
  if (!c.sliding_window) return 0;
  if (c.arch == io::Architecture::kQwen2) return layer >= c.max_window_layers ? *c.sliding_window : 0;
  return *c.sliding_window;
}

}  // namespace

ReferenceResult reference_forward(const std::filesystem::path& dir, std::span<const int32_t> ids) {
  const io::ModelConfig c = io::load_hf_config(dir / "config.json");
  const io::Checkpoint ck = io::Checkpoint::open(dir);
  auto get = [&](const std::string& name) {
    const Tensor t = ck.tensor(name).to(DType::kF32);
    return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
  };
  auto has = [&](const std::string& name) { return ck.contains(name); };
  const int64_t T = static_cast<int64_t>(ids.size()), C = c.hidden_size, F = c.intermediate_size;
  const int64_t H = c.num_attention_heads, Hkv = c.num_key_value_heads, D = c.head_dim;
  const int64_t Q = H * D, KV = Hkv * D, V = c.vocab_size;
  const auto eps = static_cast<float>(c.rms_norm_eps);
  const std::vector<float> inv = reference_inv_freq(c);
  std::vector<int32_t> pos(static_cast<size_t>(T));
  for (int64_t t = 0; t < T; ++t) pos[static_cast<size_t>(t)] = static_cast<int32_t>(t);

  auto linear = [&](const std::vector<float>& x, const std::string& name, int64_t out, int64_t in) {
    std::vector<float> y(static_cast<size_t>(T * out));
    kernels::ref::matmul(x.data(), get(name + ".weight").data(), y.data(), T, out, in);
    if (has(name + ".bias")) {
      const auto b = get(name + ".bias");
      for (int64_t t = 0; t < T; ++t) {
        for (int64_t o = 0; o < out; ++o) y[t * out + o] += b[o];
      }
    }
    return y;
  };

  ReferenceResult r;
  const auto embed = get("model.embed_tokens.weight");
  std::vector<float> x(static_cast<size_t>(T * C)), xn(x.size());
  for (int64_t t = 0; t < T; ++t) {
    std::copy_n(embed.begin() + ids[t] * C, C, x.begin() + t * C);
  }
  for (int64_t l = 0; l < c.num_hidden_layers; ++l) {
    r.hidden.push_back(x);
    const std::string p = fmt::format("model.layers.{}.", l);
    kernels::ref::rms_norm(x.data(), get(p + "input_layernorm.weight").data(), xn.data(), T, C, eps);
    auto q = linear(xn, p + "self_attn.q_proj", Q, C);
    auto k = linear(xn, p + "self_attn.k_proj", KV, C);
    auto v = linear(xn, p + "self_attn.v_proj", KV, C);
    kernels::ref::rope(q.data(), pos.data(), inv.data(), T, H, D);
    kernels::ref::rope(k.data(), pos.data(), inv.data(), T, Hkv, D);
    std::vector<float> att(q.size());
    kernels::ref::attention(q.data(), k.data(), v.data(), att.data(), T, H, Hkv, D,
                            reference_window(c, l));
    const auto o = linear(att, p + "self_attn.o_proj", C, Q);
    for (size_t i = 0; i < x.size(); ++i) x[i] += o[i];
    kernels::ref::rms_norm(x.data(), get(p + "post_attention_layernorm.weight").data(), xn.data(), T,
                           C, eps);
    auto g = linear(xn, p + "mlp.gate_proj", F, C);
    const auto u = linear(xn, p + "mlp.up_proj", F, C);
    kernels::ref::silu_mul(g.data(), u.data(), g.data(), T * F);
    const auto d = linear(g, p + "mlp.down_proj", C, F);
    for (size_t i = 0; i < x.size(); ++i) x[i] += d[i];
  }
  kernels::ref::rms_norm(x.data(), get("model.norm.weight").data(), xn.data(), T, C, eps);
  r.hidden.push_back(xn);
  const auto head = get(c.tie_word_embeddings ? "model.embed_tokens.weight" : "lm_head.weight");
  r.logits.resize(static_cast<size_t>(T * V));
  kernels::ref::matmul(xn.data(), head.data(), r.logits.data(), T, V, C);
  return r;
}

double max_rel_error(std::span<const float> got, std::span<const float> want) {
  EXPECT_EQ(got.size(), want.size());
  double diff = 0.0, scale = 0.0;
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    const double d = std::fabs(double(got[i]) - double(want[i]));
    if (!(d <= diff)) diff = d;  // NaN propagates as a failure
    scale = std::max(scale, std::fabs(double(want[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

std::vector<int32_t> random_tokens(int64_t n, int64_t vocab, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int32_t> d(0, static_cast<int32_t>(vocab - 1));
  std::vector<int32_t> ids(static_cast<size_t>(n));
  for (auto& t : ids) t = d(rng);
  return ids;
}

}  // namespace slimlm::testing
