#include "slimlm/quant/compressed_tensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "slimlm/core/convert.h"
#include "slimlm/core/error.h"
#include "slimlm/quant/pack.h"
#include "slimlm/quant/rtn.h"

namespace slimlm::quant {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

Tensor random_weights(int64_t rows, int64_t cols, uint32_t seed) {
  Tensor w = Tensor::empty(DType::kF32, {rows, cols});
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, 0.05f);
  for (uint64_t i = 0; i < w.numel(); ++i) w.mutable_data<float>()[i] = d(rng);
  return w;
}

TensorLookup lookup_in(const io::NamedTensors& tensors) {
  return [&tensors](const std::string& name) -> std::optional<Tensor> {
    for (const auto& [n, t] : tensors) {
      if (n == name) return t;
    }
    return std::nullopt;
  };
}

// What llm-compressor writes for a W4A16 (GPTQ-style) scheme.
constexpr const char* kLlmCompressorW4A16 = R"({
  "config_groups": {
    "group_0": {
      "input_activations": null,
      "output_activations": null,
      "targets": ["Linear"],
      "weights": {
        "actorder": null, "block_structure": null, "dynamic": false, "group_size": 128,
        "num_bits": 4, "observer": "minmax", "observer_kwargs": {}, "strategy": "group",
        "symmetric": true, "type": "int"
      }
    }
  },
  "format": "pack-quantized",
  "global_compression_ratio": 1.89,
  "ignore": ["lm_head"],
  "kv_cache_scheme": null,
  "quant_method": "compressed-tensors",
  "quantization_status": "compressed"
})";

TEST(QuantizationConfig, ReadsLlmCompressorW4A16) {
  const auto c = QuantizationConfig::from_json(Json::parse(kLlmCompressorW4A16), "config.json");
  ASSERT_EQ(c.groups.size(), 1u);
  EXPECT_EQ(c.groups[0].format, QuantFormat::kInt4G128);
  EXPECT_EQ(c.format_of("model.layers.0.mlp.down_proj"), QuantFormat::kInt4G128);
  EXPECT_FALSE(c.format_of("lm_head").has_value());
  EXPECT_TRUE(c.compressed_tensors_compatible());
}

TEST(QuantizationConfig, RoundTripsAndResolvesWithCompressedTensorsPrecedence) {
  QuantizationConfig c;
  c.groups.push_back({"group_0", QuantFormat::kInt4G128, {"Linear"}, false});
  c.groups.push_back({"group_1", QuantFormat::kInt8Asym, {"re:model\\.layers\\.0\\."}, false});
  c.groups.push_back({"group_2", QuantFormat::kInt3G64, {"model.layers.0.mlp.up_proj"}, true});
  c.ignore = {"lm_head", "re:.*gate_proj$"};
  const auto j = c.to_json();
  EXPECT_EQ(j["quant_method"], "compressed-tensors");
  EXPECT_EQ(j["format"], "pack-quantized");
  EXPECT_EQ(j["config_groups"]["group_1"]["weights"]["strategy"], "channel");
  EXPECT_TRUE(j["config_groups"]["group_1"]["weights"]["group_size"].is_null());
  EXPECT_EQ(j["config_groups"]["group_1"]["weights"]["symmetric"], false);
  EXPECT_EQ(j["config_groups"]["group_2"]["weights"]["actorder"], "group");

  const auto back = QuantizationConfig::from_json(Json::parse(j.dump()), "config.json");
  ASSERT_EQ(back.groups.size(), 3u);
  EXPECT_EQ(back.groups[1].format, QuantFormat::kInt8Asym);
  EXPECT_TRUE(back.groups[2].act_order);
  EXPECT_EQ(back.ignore, c.ignore);
  // Exact name beats the pattern, the pattern beats the class, ignore beats all.
  EXPECT_EQ(back.format_of("model.layers.0.mlp.up_proj"), QuantFormat::kInt3G64);
  EXPECT_EQ(back.format_of("model.layers.0.self_attn.q_proj"), QuantFormat::kInt8Asym);
  EXPECT_EQ(back.format_of("model.layers.1.self_attn.q_proj"), QuantFormat::kInt4G128);
  EXPECT_FALSE(back.format_of("model.layers.0.mlp.gate_proj").has_value());
  EXPECT_FALSE(back.format_of("lm_head").has_value());
}

TEST(QuantizationConfig, Nf4IsSlimlmsOwnMethod) {
  QuantizationConfig c;
  c.groups.push_back({"group_0", QuantFormat::kNf4, {"Linear"}, false});
  const auto j = c.to_json();
  EXPECT_EQ(j["quant_method"], "slimlm");
  EXPECT_EQ(j["config_groups"]["group_0"]["format"], "nf4-pack-quantized");
  EXPECT_EQ(j["config_groups"]["group_0"]["weights"]["type"], "nf4");
  EXPECT_EQ(QuantizationConfig::from_json(Json::parse(j.dump()), "c").groups[0].format,
            QuantFormat::kNf4);
}

TEST(QuantizationConfig, RejectsWhatSlimlmCannotRun) {
  auto with = [](const std::function<void(Json&)>& edit) {
    Json j = Json::parse(kLlmCompressorW4A16);
    edit(j);
    return j;
  };
  EXPECT_THROW(QuantizationConfig::from_json(with([](Json& j) { j["quant_method"] = "gptq"; }), "c"),
               UnsupportedError);
  EXPECT_THROW(QuantizationConfig::from_json(with([](Json& j) {
                 j["config_groups"]["group_0"]["input_activations"] = {{"num_bits", 8}};
               }), "c"),
               UnsupportedError);
  EXPECT_THROW(QuantizationConfig::from_json(with([](Json& j) {
                 j["config_groups"]["group_0"]["weights"]["type"] = "float";
               }), "c"),
               UnsupportedError);
  try {
    QuantizationConfig::from_json(with([](Json& j) {
      j["config_groups"]["group_0"]["weights"]["group_size"] = 256;
    }), "model/config.json");
    FAIL();
  } catch (const UnsupportedError& e) {
    EXPECT_THAT(e.what(), HasSubstr("model/config.json"));
    EXPECT_THAT(e.what(), HasSubstr("group 256"));
  }
  EXPECT_THROW(QuantizationConfig::from_json(with([](Json& j) { j.erase("config_groups"); }), "c"),
               FormatError);
  EXPECT_THROW(QuantizationConfig::from_json(with([](Json& j) {
                 j["config_groups"]["group_0"]["targets"] = 3;
               }), "c"),
               FormatError);
}

TEST(CompressedTensors, EveryFormatRoundTripsThroughDiskTensors) {
  for (const auto& t : all_formats()) {
    const QuantizedTensor q = quantize_rtn(random_weights(19, 256, 3), t.id);
    const io::NamedTensors disk = to_disk("m.proj", q);
    std::map<std::string, Shape> shapes;
    for (const auto& [n, x] : disk) shapes[n] = x.shape();
    EXPECT_EQ(shapes.at("m.proj.weight_packed"), (Shape{19, t.words_per_row(256)})) << t.name;
    EXPECT_EQ(shapes.at("m.proj.weight_scale"), (Shape{19, t.groups_per_row(256)})) << t.name;
    EXPECT_EQ(shapes.at("m.proj.weight_shape"), (Shape{2})) << t.name;
    EXPECT_EQ(shapes.count("m.proj.weight_zero_point"), t.symmetric ? 0u : 1u) << t.name;
    uint64_t bytes = 0;
    for (const auto& [n, x] : disk) bytes += n.ends_with("weight_shape") ? 0 : x.nbytes();
    EXPECT_EQ(bytes, storage_bytes(t.id, 19, 256)) << t.name;

    const QuantizedTensor back = from_disk("m.proj", t.id, lookup_in(disk), "test");
    const UnpackedQuant a = unpack(q), b = unpack(back);
    EXPECT_EQ(a.codes, b.codes) << t.name;
    EXPECT_EQ(a.scales, b.scales) << t.name;
    EXPECT_EQ(a.zeros, b.zeros) << t.name;
  }
}

TEST(CompressedTensors, ZeroPointsArePackedDownTheRows) {
  // compressed-tensors: pack_to_int32(zero_point, bits, packed_dim=0), codes
  // shifted to unsigned: row r of a column lands at bits 4 * (r % 8) of word r / 8.
  UnpackedQuant u;
  u.format = QuantFormat::kInt4G128Asym;
  u.rows = 9;
  u.cols = 256;
  u.codes.assign(9 * 256, 0);
  u.scales.assign(9 * 2, 0.5f);
  u.zeros.resize(9 * 2);
  for (int r = 0; r < 9; ++r) {
    u.zeros[static_cast<size_t>(r * 2)] = static_cast<uint8_t>(r + 1);
    u.zeros[static_cast<size_t>(r * 2 + 1)] = 15;
  }
  const io::NamedTensors disk = to_disk("x", pack(u));
  const Tensor* zp = nullptr;
  for (const auto& [n, t] : disk) {
    if (n == "x.weight_zero_point") zp = &t;
  }
  ASSERT_NE(zp, nullptr);
  ASSERT_EQ(zp->shape(), (Shape{2, 2}));
  const auto* w = static_cast<const uint32_t*>(zp->raw_data());
  EXPECT_EQ(w[0], 0x87654321u);  // rows 0..7 of group 0
  EXPECT_EQ(w[1], 0xFFFFFFFFu);  // rows 0..7 of group 1
  EXPECT_EQ(w[2], 9u);           // row 8 of group 0
  EXPECT_EQ(w[3], 15u);
}

TEST(CompressedTensors, ActOrderColumnsComeBackThroughGIdx) {
  UnpackedQuant u = unpack(quantize_rtn(random_weights(4, 128, 8), QuantFormat::kInt4G32));
  u.perm.resize(128);
  for (int i = 0; i < 128; ++i) u.perm[static_cast<size_t>(i)] = (i * 37) % 128;  // a permutation: gcd(37, 128) = 1
  const QuantizedTensor q = pack(u);
  const io::NamedTensors disk = to_disk("a", q);
  const Tensor* g_idx = nullptr;
  for (const auto& [n, t] : disk) {
    if (n == "a.weight_g_idx") g_idx = &t;
  }
  ASSERT_NE(g_idx, nullptr);
  EXPECT_EQ(g_idx->data<int32_t>()[37], 0);   // stored column 1 (group 0) holds input 37
  EXPECT_EQ(g_idx->data<int32_t>()[(40 * 37) % 128], 1);
  const QuantizedTensor back = from_disk("a", QuantFormat::kInt4G32, lookup_in(disk), "t");
  const Tensor da = dequantize(q), db = dequantize(back);
  for (int i = 0; i < 4 * 128; ++i) ASSERT_EQ(da.data<float>()[i], db.data<float>()[i]) << i;
}

TEST(CompressedTensors, ReadsBf16ScalesExactlyAsF32) {
  const QuantizedTensor q = quantize_rtn(random_weights(3, 128, 2), QuantFormat::kInt4G64);
  io::NamedTensors disk = to_disk("b", q);
  for (auto& [n, t] : disk) {
    if (n == "b.weight_scale") t = t.to(DType::kF32).to(DType::kBF16);
  }
  const QuantizedTensor back = from_disk("b", QuantFormat::kInt4G64, lookup_in(disk), "t");
  EXPECT_EQ(back.scales.dtype(), DType::kF32);
  for (int64_t i = 0; i < 6; ++i) {
    const float want = bf16_to_f32(f32_to_bf16(group_scale(q, i / 2, i % 2)));
    EXPECT_EQ(group_scale(back, i / 2, i % 2), want);
  }
}

TEST(CompressedTensors, MissingOrMisshapenTensorsAreNamed) {
  const QuantizedTensor q = quantize_rtn(random_weights(3, 128, 2), QuantFormat::kInt4G64Asym);
  io::NamedTensors disk = to_disk("model.layers.2.mlp.up_proj", q);
  io::NamedTensors no_zp;
  for (const auto& nt : disk) {
    if (!nt.first.ends_with("zero_point")) no_zp.push_back(nt);
  }
  try {
    from_disk("model.layers.2.mlp.up_proj", QuantFormat::kInt4G64Asym, lookup_in(no_zp), "ckpt");
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), HasSubstr("model.layers.2.mlp.up_proj.weight_zero_point"));
  }
  // Read as the wrong format: the packed shape does not fit int8.
  EXPECT_THROW(from_disk("model.layers.2.mlp.up_proj", QuantFormat::kInt8Asym, lookup_in(disk), "c"),
               FormatError);
  EXPECT_TRUE(is_quantized_tensor_name("a.b.weight_packed"));
  EXPECT_FALSE(is_quantized_tensor_name("a.b.weight"));
}

}  // namespace
}  // namespace slimlm::quant
