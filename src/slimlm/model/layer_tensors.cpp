#include "slimlm/model/layer_tensors.h"

#include <fmt/format.h>

#include "slimlm/core/convert.h"
#include "slimlm/core/error.h"
#include "slimlm/model/dense_linear.h"
#include "slimlm/model/weight_loader.h"

namespace slimlm::model {
namespace {

constexpr std::array<std::string_view, kNumProjs> kProjNames = {
    "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
constexpr std::array<WeightSlot, kNumProjs> kProjSlots = {
    WeightSlot::kQ,    WeightSlot::kK,  WeightSlot::kV,   WeightSlot::kO,
    WeightSlot::kGate, WeightSlot::kUp, WeightSlot::kDown};

const WeightName* find_spec(const io::ModelConfig& c, WeightSlot slot, bool bias) {
  for (const WeightName& w : architecture_spec(c.arch).weights) {
    if (w.slot == slot && w.bias == bias) return &w;
  }
  return nullptr;
}

Tensor load_f32(const io::Checkpoint& ck, const io::ModelConfig& c, const WeightName& spec,
                const std::string& name) {
  if (!ck.contains(name)) {
    throw FormatError(fmt::format("{}: tensor '{}' is missing ({} with this config.json needs it)",
                                  ck.dir().string(), name, c.hf_architecture));
  }
  const auto& info = ck.info(name);
  const std::string file = ck.file_of(name).path().string();
  if (info.dtype != DType::kF32 && info.dtype != DType::kF16 && info.dtype != DType::kBF16) {
    throw UnsupportedError(fmt::format("{}: tensor '{}' has dtype {}; slimlm compresses f32, f16 "
                                       "and bf16 weights",
                                       file, name, to_string(info.dtype)));
  }
  const Shape want = weight_shape(spec, c);
  if (info.shape != want) {
    throw FormatError(fmt::format("{}: tensor '{}' has shape {}, expected {} from {}", file, name,
                                  shape_to_string(info.shape), shape_to_string(want), c.source));
  }
  Tensor t = Tensor::empty(DType::kF32, info.shape);
  const int64_t bad = convert_checked(ck.tensor(name), t.mutable_data<float>());
  if (bad >= 0) {
    throw FormatError(fmt::format("{}: tensor '{}' holds a non-finite value at index {}", file,
                                  name, bad));
  }
  return t;
}

}  // namespace

std::string_view to_string(Proj p) { return kProjNames[index_of(p)]; }
WeightSlot weight_slot(Proj p) { return kProjSlots[index_of(p)]; }

LayerTensors LayerTensors::clone() const {
  LayerTensors t;
  t.layer = layer;
  t.attn_norm = attn_norm.clone();
  t.mlp_norm = mlp_norm.clone();
  for (size_t i = 0; i < kNumProjs; ++i) {
    t.weight[i] = weight[i].clone();
    if (bias[i].numel() > 0) t.bias[i] = bias[i].clone();
  }
  return t;
}

uint64_t LayerTensors::nbytes() const {
  uint64_t n = attn_norm.nbytes() + mlp_norm.nbytes();
  for (size_t i = 0; i < kNumProjs; ++i) n += weight[i].nbytes() + bias[i].nbytes();
  return n;
}

std::string layer_tensor_name(const io::ModelConfig& c, int64_t layer, WeightSlot slot, bool bias) {
  const WeightName* w = find_spec(c, slot, bias);
  if (!w || !weight_used(*w, c)) return "";
  return weight_name(*w, layer);
}

LayerTensors load_layer_tensors(const io::Checkpoint& ck, const io::ModelConfig& c, int64_t layer) {
  if (layer < 0 || layer >= c.num_hidden_layers) {
    throw Error(fmt::format("layer {} is outside [0, {}) of {}", layer, c.num_hidden_layers, c.source));
  }
  LayerTensors t;
  t.layer = layer;
  auto load = [&](WeightSlot slot, bool bias) -> Tensor {
    const WeightName* w = find_spec(c, slot, bias);
    if (!w || !weight_used(*w, c)) return {};
    return load_f32(ck, c, *w, weight_name(*w, layer));
  };
  t.attn_norm = load(WeightSlot::kAttnNorm, false);
  t.mlp_norm = load(WeightSlot::kMlpNorm, false);
  for (Proj p : kAllProjs) {
    t.w(p) = load(weight_slot(p), false);
    t.b(p) = load(weight_slot(p), true);
  }
  return t;
}

void embed_rows(const io::Checkpoint& ck, const io::ModelConfig& c, std::span<const int32_t> ids,
                float* out) {
  const WeightName* w = find_spec(c, WeightSlot::kEmbed, false);
  if (!w) throw Error("weight table has no embedding");
  const std::string name = weight_name(*w, -1);
  if (!ck.contains(name)) {
    throw FormatError(fmt::format("{}: tensor '{}' is missing", ck.dir().string(), name));
  }
  const Tensor table = ck.tensor(name);
  const int64_t V = c.vocab_size, C = c.hidden_size;
  if (table.shape() != Shape{V, C}) {
    throw FormatError(fmt::format("{}: tensor '{}' has shape {}, expected [{}, {}]",
                                  ck.dir().string(), name, shape_to_string(table.shape()), V, C));
  }
  const DType dt = table.dtype();
  const size_t row_bytes = dtype_bytes(dt, static_cast<uint64_t>(C));
  const auto* base = static_cast<const uint8_t*>(table.raw_data());
  for (size_t r = 0; r < ids.size(); ++r) {
    const int32_t id = ids[r];
    if (id < 0 || id >= V) {
      throw Error(fmt::format("token id {} is outside the vocabulary [0, {})", id, V));
    }
    convert(base + static_cast<size_t>(id) * row_bytes, dt, out + static_cast<int64_t>(r) * C,
            DType::kF32, static_cast<size_t>(C));
  }
}

LayerWeights dense_view(const LayerTensors& t) {
  LayerWeights w;
  w.attn_norm = t.attn_norm;
  w.mlp_norm = t.mlp_norm;
  auto make = [&](Proj p) { return std::make_unique<DenseLinear>(t.w(p), t.b(p)); };
  w.q = make(Proj::kQ);
  w.k = make(Proj::kK);
  w.v = make(Proj::kV);
  w.o = make(Proj::kO);
  w.gate = make(Proj::kGate);
  w.up = make(Proj::kUp);
  w.down = make(Proj::kDown);
  return w;
}

}  // namespace slimlm::model
