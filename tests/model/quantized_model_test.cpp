// QuantizedLinear, the quantized-checkpoint loader hook and quantize_model on
// tiny random checkpoints (model_test_util.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>

#include "model_test_util.h"
#include "slimlm/core/error.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/kernels/cpu/quant_matmul.h"
#include "slimlm/kernels/ref/quant_ref.h"
#include "slimlm/model/model.h"
#include "slimlm/model/quantize_model.h"
#include "slimlm/model/quantized_linear.h"
#include "slimlm/quant/compressed_tensors.h"
#include "slimlm/quant/pack.h"

namespace slimlm::model {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using quant::QuantFormat;
using slimlm::testing::ScratchDir;

nlohmann::json wide_llama() {
  return slimlm::testing::llama_config(
      {{"hidden_size", 128}, {"intermediate_size", 256}, {"head_dim", 32}});
}

// Every file of a folder with its size and contents hash, to prove nothing changed.
std::map<std::string, std::string> snapshot(const fs::path& dir) {
  std::map<std::string, std::string> s;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    s[fs::relative(e.path(), dir).string()] = std::string(std::istreambuf_iterator<char>(in), {});
  }
  return s;
}

// The quantized model's dequantized weights written as a dense f32 checkpoint:
// loading it must give the same logits as the quantized one.
void write_dequantized(const Model& q, const fs::path& src, const fs::path& dst) {
  const io::Checkpoint ck = io::Checkpoint::open(src);
  io::NamedTensors out;
  std::map<std::string, const Linear*> linears;
  const ModelWeights& w = q.weights();
  for (size_t l = 0; l < w.layers.size(); ++l) {
    const LayerWeights& lw = w.layers[l];
    const std::string p = "model.layers." + std::to_string(l) + ".";
    linears[p + "self_attn.q_proj.weight"] = lw.q.get();
    linears[p + "self_attn.k_proj.weight"] = lw.k.get();
    linears[p + "self_attn.v_proj.weight"] = lw.v.get();
    linears[p + "self_attn.o_proj.weight"] = lw.o.get();
    linears[p + "mlp.gate_proj.weight"] = lw.gate.get();
    linears[p + "mlp.up_proj.weight"] = lw.up.get();
    linears[p + "mlp.down_proj.weight"] = lw.down.get();
  }
  if (!w.tied) linears["lm_head.weight"] = w.lm_head.get();
  for (const auto& [name, lin] : linears) {
    if (const auto* ql = dynamic_cast<const QuantizedLinear*>(lin)) {
      out.emplace_back(name, quant::dequantize(ql->weight()));
    }
  }
  for (const std::string& name : ck.tensor_names()) {
    if (quant::is_quantized_tensor_name(name)) continue;
    out.emplace_back(name, ck.tensor(name));
  }
  fs::create_directories(dst);
  io::write_safetensors(dst / "model.safetensors", out);
  nlohmann::json config = nlohmann::json::parse(std::ifstream(src / "config.json"));
  config.erase("quantization_config");
  std::ofstream(dst / "config.json") << config.dump();
}

// Exactness checks run the kernels on f32 activations; the int8-dot kernels
// round activations and are checked against their own reference in
// tests/kernels.
class F32Activations : public ::testing::Environment {
 public:
  void SetUp() override { kernels::set_quant_activations(kernels::QuantActivations::kF32); }
  void TearDown() override { kernels::set_quant_activations(std::nullopt); }
};
const auto* const kF32Env = ::testing::AddGlobalTestEnvironment(new F32Activations);

TEST(QuantizedLinear, ForwardMatchesReferenceWithBias) {
  Tensor w = Tensor::empty(DType::kF32, {24, 64});
  std::mt19937 rng(1);
  std::normal_distribution<float> d(0.f, 0.1f);
  for (uint64_t i = 0; i < w.numel(); ++i) w.mutable_data<float>()[i] = d(rng);
  Tensor bias = Tensor::empty(DType::kF32, {24});
  for (int i = 0; i < 24; ++i) bias.mutable_data<float>()[i] = static_cast<float>(i);
  const quant::QuantizedTensor q = quant::quantize_rtn(w, QuantFormat::kInt4G32Asym);
  const QuantizedLinear lin(q, bias);
  EXPECT_EQ(lin.in_features(), 64);
  EXPECT_EQ(lin.out_features(), 24);
  EXPECT_EQ(lin.kind(), "quantized");
  EXPECT_EQ(lin.parameter_count(), 24u * 64 + 24);
  EXPECT_EQ(lin.weight_bytes(), q.nbytes() + 24 * 4);
  for (int64_t M : {1, 7}) {
    std::vector<float> x(static_cast<size_t>(M * 64));
    for (auto& v : x) v = d(rng);
    std::vector<float> got(static_cast<size_t>(M * 24)), want(got.size());
    lin.forward(x.data(), M, got.data());
    kernels::ref::quant_matmul(q, x.data(), want.data(), M);
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i] + static_cast<float>(i % 24), 1e-4) << i;
  }
  EXPECT_THROW(QuantizedLinear(q, Tensor::zeros(DType::kF32, {23})), Error);
}

class QuantizeModelTest : public ::testing::TestWithParam<QuantFormat> {};

TEST_P(QuantizeModelTest, LoadsAndMatchesTheDequantizedDenseModel) {
  ScratchDir tmp;
  const fs::path in = tmp.path() / "in", out = tmp.path() / "out", deq = tmp.path() / "deq";
  slimlm::testing::CheckpointOptions bf16;
  bf16.dtype = DType::kBF16;
  slimlm::testing::write_checkpoint(in, wide_llama(), bf16);
  std::ofstream(in / "tokenizer.json") << "{}";
  QuantizeOptions opt;
  opt.format = GetParam();
  const QuantizeReport r = quantize_model(in, out, opt);
  EXPECT_EQ(r.linears.size(), 2u * 7 + 1);
  EXPECT_EQ(r.params_quantized, r.params_linear);
  EXPECT_TRUE(fs::exists(out / "tokenizer.json"));
  EXPECT_TRUE(fs::exists(out / "recipe.json"));
  uint64_t want_bytes = 0;  // the format's storage, plus 16 bytes of weight_shape a tensor
  for (const auto& t : r.linears) want_bytes += quant::storage_bytes(GetParam(), t.rows, t.cols) + 16;
  EXPECT_EQ(r.linear_bytes_after, want_bytes);
  EXPECT_NEAR(r.bits_per_weight_linear(), quant::nominal_bits_per_weight(GetParam()),
              0.15);  // int8: a scale per short row; int3: rows padded to whole words

  const auto qm = Model::load(out);
  EXPECT_EQ(qm->weights().layers[1].down->kind(), "quantized");
  EXPECT_EQ(qm->weights().lm_head->kind(), "quantized");
  EXPECT_LT(qm->weight_bytes(), Model::load(in)->weight_bytes() / 2);
  write_dequantized(*qm, out, deq);
  const auto dm = Model::load(deq);
  const auto tokens = slimlm::testing::random_tokens(2 * 9, 50, 3);
  const Tensor a = qm->score(tokens, 2, 9), b = dm->score(tokens, 2, 9);
  EXPECT_LT(slimlm::testing::max_rel_error(std::span(a.data<float>(), a.numel()),
                                           std::span(b.data<float>(), b.numel())),
            1e-4);
  // With int8 activations (where the CPU has the kernels) the logits move by
  // the activation rounding only.
  kernels::set_quant_activations(kernels::QuantActivations::kInt8);
  const Tensor c = qm->score(tokens, 2, 9);
  kernels::set_quant_activations(kernels::QuantActivations::kF32);
  EXPECT_LT(slimlm::testing::max_rel_error(std::span(c.data<float>(), c.numel()),
                                           std::span(b.data<float>(), b.numel())),
            3e-2);
}

INSTANTIATE_TEST_SUITE_P(Formats, QuantizeModelTest,
                         ::testing::Values(QuantFormat::kInt8, QuantFormat::kInt4G128,
                                           QuantFormat::kInt4G64Asym, QuantFormat::kInt3G32,
                                           QuantFormat::kInt2G128Asym, QuantFormat::kNf4),
                         [](const auto& info) { return std::string(quant::to_string(info.param)); });

TEST(QuantizeModel, MixedFormatsSkipAndBiasesRoundTrip) {
  ScratchDir tmp;
  const fs::path in = tmp.path() / "in", out = tmp.path() / "out";
  // qwen2 carries q/k/v biases; tied embeddings mean no lm_head.
  slimlm::testing::write_checkpoint(
      in, slimlm::testing::qwen2_config({{"hidden_size", 64}, {"num_attention_heads", 4},
                                         {"intermediate_size", 128}}));
  QuantizeOptions opt;
  opt.format = QuantFormat::kInt4G32;
  opt.overrides = {{"layers\\.0\\.", QuantFormat::kInt8}, {"down_proj", std::nullopt}};
  opt.skip = {"v_proj"};
  const QuantizeReport r = quantize_model(in, out, opt);
  std::map<std::string, std::string> formats;
  for (const auto& t : r.linears) formats[t.name] = t.format;
  EXPECT_EQ(formats.at("model.layers.0.mlp.down_proj.weight"), "int8");  // first match wins
  EXPECT_EQ(formats.at("model.layers.1.mlp.down_proj.weight"), "dense");
  EXPECT_EQ(formats.at("model.layers.0.self_attn.v_proj.weight"), "dense");
  EXPECT_EQ(formats.at("model.layers.2.self_attn.q_proj.weight"), "int4_g32");
  EXPECT_EQ(formats.count("lm_head.weight"), 0u);

  const nlohmann::json cfg = nlohmann::json::parse(std::ifstream(out / "config.json"));
  const auto& qc = cfg["quantization_config"];
  EXPECT_EQ(qc["config_groups"]["group_0"]["targets"], nlohmann::json::array({"Linear"}));
  EXPECT_EQ(qc["config_groups"]["group_1"]["weights"]["num_bits"], 8);
  EXPECT_THAT(qc["ignore"].get<std::vector<std::string>>(),
              ::testing::Contains("model.layers.1.mlp.down_proj"));

  const auto qm = Model::load(out);
  const auto& l0 = qm->weights().layers[0];
  EXPECT_EQ(dynamic_cast<const QuantizedLinear&>(*l0.q).format(), QuantFormat::kInt8);
  EXPECT_TRUE(dynamic_cast<const QuantizedLinear&>(*l0.q).has_bias());
  EXPECT_EQ(l0.v->kind(), "dense");
  EXPECT_EQ(dynamic_cast<const QuantizedLinear&>(*qm->weights().layers[2].gate).format(),
            QuantFormat::kInt4G32);
  // int8 on layer 0 and 4-bit elsewhere keep the logits close to the original.
  const auto base = Model::load(in);
  const auto tokens = slimlm::testing::random_tokens(12, 40, 5);
  const Tensor a = qm->score(tokens, 1, 12), b = base->score(tokens, 1, 12);
  EXPECT_LT(slimlm::testing::max_rel_error(std::span(a.data<float>(), a.numel()),
                                           std::span(b.data<float>(), b.numel())),
            0.2);
}

TEST(QuantizeModel, BadInputFailsBeforeWritingAnything) {
  ScratchDir tmp;
  const fs::path in = tmp.path() / "in";
  slimlm::testing::write_checkpoint(in, slimlm::testing::llama_config());  // down_proj rows of 96
  const auto before = snapshot(in);
  auto fails = [&](const fs::path& out, QuantizeOptions opt, const char* what) {
    try {
      quantize_model(in, out, opt);
      ADD_FAILURE() << "accepted: " << what;
    } catch (const Error& e) {
      EXPECT_THAT(e.what(), HasSubstr(what));
    }
    EXPECT_EQ(snapshot(in), before) << what;
    if (out != in && !out.string().starts_with(in.string())) {
      EXPECT_FALSE(fs::exists(out)) << what;
    }
  };
  QuantizeOptions g64;
  g64.format = QuantFormat::kInt4G64;
  fails(tmp.path() / "o1", g64, "model.layers.0.mlp.down_proj.weight");
  fails(tmp.path() / "o1", g64, "does not divide the row length 96");
  QuantizeOptions ok;
  ok.format = QuantFormat::kInt4G32;
  fails(in, ok, "is the input folder");
  fails(in / "q4", ok, "inside the input folder");
  QuantizeOptions bad_re = ok;
  bad_re.overrides = {{"layers[", QuantFormat::kInt8}};
  fails(tmp.path() / "o2", bad_re, "--tensor-type 'layers['");
  QuantizeOptions all_dense = ok;
  all_dense.skip = {"."};
  fails(tmp.path() / "o3", all_dense, "nothing to quantize");
  QuantizeOptions gptq = ok;
  gptq.method = "gptq";
  fails(tmp.path() / "o4", gptq, "--method gptq");

  // A quantized model is not quantized again.
  quantize_model(in, tmp.path() / "q", ok);
  try {
    quantize_model(tmp.path() / "q", tmp.path() / "qq", ok);
    ADD_FAILURE();
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("already quantized"));
  }
}

TEST(QuantizedCheckpoint, InconsistentPackedTensorsAreNamed) {
  ScratchDir tmp;
  const fs::path in = tmp.path() / "in", out = tmp.path() / "out";
  slimlm::testing::write_checkpoint(in, wide_llama());
  QuantizeOptions opt;
  quantize_model(in, out, opt);
  // Claim the checkpoint is 8-bit: the packed codes no longer fit.
  nlohmann::json cfg = nlohmann::json::parse(std::ifstream(out / "config.json"));
  cfg["quantization_config"]["config_groups"]["group_0"]["weights"]["num_bits"] = 8;
  cfg["quantization_config"]["config_groups"]["group_0"]["weights"]["strategy"] = "channel";
  std::ofstream(out / "config.json") << cfg.dump();
  try {
    Model::load(out);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_THAT(e.what(), HasSubstr("model.layers.0.self_attn.q_proj.weight_packed"));
  }
  // A group that targets nothing leaves the packed tensors orphaned.
  cfg["quantization_config"]["config_groups"]["group_0"]["targets"] = {"re:nothing"};
  std::ofstream(out / "config.json") << cfg.dump();
  EXPECT_THROW(Model::load(out), FormatError);
}

}  // namespace
}  // namespace slimlm::model
