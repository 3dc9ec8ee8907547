// Loading fails loudly and precisely: missing tensors, wrong shapes, bad
// dtypes, non-finite weights, unsupported architectures and features.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>

#include "model_test_util.h"
#include "slimlm/core/convert.h"
#include "slimlm/core/error.h"
#include "slimlm/model/model.h"

namespace slimlm::model {
namespace {

using slimlm::testing::CheckpointOptions;
using slimlm::testing::find_tensor;
using slimlm::testing::ScratchDir;
using slimlm::testing::write_checkpoint;
using Json = nlohmann::json;

// Runs load() expecting exception E; returns its message.
template <class E>
std::string load_error(const std::filesystem::path& dir) {
  try {
    Model::load(dir);
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type: " << e.what();
    return "";
  }
  ADD_FAILURE() << "load() did not throw";
  return "";
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

TEST(LoadErrors, MissingTensorNamesTensorAndFolder) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.edit = [](io::NamedTensors& t) {
    std::erase_if(t, [](const auto& p) { return p.first == "model.layers.1.mlp.up_proj.weight"; });
  };
  write_checkpoint(dir.path(), slimlm::testing::llama_config(), opts);
  const std::string msg = load_error<FormatError>(dir.path());
  expect_contains(msg, "'model.layers.1.mlp.up_proj.weight'");
  expect_contains(msg, "missing");
  expect_contains(msg, dir.path().string());
}

TEST(LoadErrors, ErrorsInAShardNameTheShardFile) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.shards = 2;
  opts.edit = [](io::NamedTensors& t) {
    find_tensor(t, "lm_head.weight").mutable_data<float>()[70] = std::numeric_limits<float>::quiet_NaN();
  };
  write_checkpoint(dir.path(), slimlm::testing::llama_config(), opts);
  const std::string msg = load_error<FormatError>(dir.path());
  expect_contains(msg, "model-00002-of-00002.safetensors");
  expect_contains(msg, "'lm_head.weight'");
  expect_contains(msg, "index 70 (row 1, column 6)");
}

TEST(LoadErrors, MissingBiasTheConfigAsksFor) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.edit = [](io::NamedTensors& t) {
    std::erase_if(t, [](const auto& p) { return p.first == "model.layers.2.self_attn.k_proj.bias"; });
  };
  write_checkpoint(dir.path(), slimlm::testing::qwen2_config(), opts);
  expect_contains(load_error<FormatError>(dir.path()), "'model.layers.2.self_attn.k_proj.bias'");
}

TEST(LoadErrors, MissingLmHeadWhenUntied) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.edit = [](io::NamedTensors& t) {
    std::erase_if(t, [](const auto& p) { return p.first == "lm_head.weight"; });
  };
  write_checkpoint(dir.path(), slimlm::testing::llama_config(), opts);
  expect_contains(load_error<FormatError>(dir.path()), "'lm_head.weight'");
}

TEST(LoadErrors, WrongShapeGivesExpectedAndActual) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.edit = [](io::NamedTensors& t) {
    // k_proj as if there were 4 kv heads instead of 2.
    find_tensor(t, "model.layers.0.self_attn.k_proj.weight") = Tensor::zeros(DType::kF32, {64, 64});
  };
  write_checkpoint(dir.path(), slimlm::testing::llama_config(), opts);
  const std::string msg = load_error<FormatError>(dir.path());
  expect_contains(msg, "'model.layers.0.self_attn.k_proj.weight'");
  expect_contains(msg, "[64, 64]");
  expect_contains(msg, "expected [32, 64]");
  expect_contains(msg, "model.safetensors");
}

TEST(LoadErrors, UnsupportedDtype) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.edit = [](io::NamedTensors& t) {
    find_tensor(t, "model.norm.weight") = Tensor::zeros(DType::kI32, {64});
  };
  write_checkpoint(dir.path(), slimlm::testing::llama_config(), opts);
  const std::string msg = load_error<UnsupportedError>(dir.path());
  expect_contains(msg, "'model.norm.weight'");
  expect_contains(msg, "i32");
}

TEST(LoadErrors, NanInBf16WeightNamesTensorAndIndex) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.dtype = DType::kBF16;
  opts.edit = [](io::NamedTensors& t) {
    Tensor& w = find_tensor(t, "model.layers.1.mlp.down_proj.weight");  // [64, 96]
    auto* p = static_cast<uint16_t*>(w.mutable_raw_data());
    p[5 * 96 + 7] = f32_to_bf16(std::numeric_limits<float>::quiet_NaN());
    p[9 * 96] = f32_to_bf16(std::numeric_limits<float>::infinity());  // later: not reported
  };
  write_checkpoint(dir.path(), slimlm::testing::llama_config(), opts);
  const std::string msg = load_error<FormatError>(dir.path());
  expect_contains(msg, "'model.layers.1.mlp.down_proj.weight'");
  expect_contains(msg, "nan");
  expect_contains(msg, "index 487 (row 5, column 7)");
}

TEST(LoadErrors, InfInF32WeightFarIntoALargeTensor) {
  ScratchDir dir;
  CheckpointOptions opts;
  // 50 x 64 embedding: index past the first conversion block and thread chunk.
  opts.edit = [](io::NamedTensors& t) {
    find_tensor(t, "model.embed_tokens.weight").mutable_data<float>()[3100] =
        -std::numeric_limits<float>::infinity();
  };
  write_checkpoint(dir.path(), slimlm::testing::llama_config(), opts);
  const std::string msg = load_error<FormatError>(dir.path());
  expect_contains(msg, "'model.embed_tokens.weight'");
  expect_contains(msg, "-inf");
  expect_contains(msg, "index 3100 (row 48, column 28)");
}

TEST(LoadErrors, NanInF16Bias) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.dtype = DType::kF16;
  opts.edit = [](io::NamedTensors& t) {
    auto* p = static_cast<uint16_t*>(find_tensor(t, "model.layers.0.self_attn.q_proj.bias").mutable_raw_data());
    p[3] = 0x7e00;  // f16 NaN
  };
  write_checkpoint(dir.path(), slimlm::testing::qwen2_config(), opts);
  const std::string msg = load_error<FormatError>(dir.path());
  expect_contains(msg, "'model.layers.0.self_attn.q_proj.bias'");
  expect_contains(msg, "index 3");
}

TEST(LoadErrors, UnsupportedRopeScaling) {
  ScratchDir dir;
  write_checkpoint(dir.path(), slimlm::testing::llama_config(Json::parse(
                                   R"({"rope_scaling": {"rope_type": "yarn", "factor": 4.0,
                                       "original_max_position_embeddings": 64}})")));
  const std::string msg = load_error<UnsupportedError>(dir.path());
  expect_contains(msg, "'yarn'");
  expect_contains(msg, "config.json");
}

TEST(LoadErrors, UnsupportedActivation) {
  ScratchDir dir;
  write_checkpoint(dir.path(), slimlm::testing::llama_config(Json::parse(R"({"hidden_act": "gelu"})")));
  expect_contains(load_error<UnsupportedError>(dir.path()), "gelu");
}

TEST(LoadErrors, UnsupportedArchitecture) {
  ScratchDir dir;
  std::filesystem::create_directories(dir.path());
  {
    std::ofstream out(dir.path() / "config.json");
    out << slimlm::testing::llama_config(Json::parse(R"({"architectures": ["GPT2LMHeadModel"]})")).dump();
  }
  expect_contains(load_error<UnsupportedError>(dir.path()), "GPT2LMHeadModel");
}

TEST(LoadErrors, MissingFolderIsAnIoError) {
  ScratchDir dir;
  load_error<IoError>(dir.path() / "nope");
}

TEST(LoadWarnings, ExtraTensorsAreListedRotaryBuffersAndTiedHeadsAreNot) {
  ScratchDir dir;
  CheckpointOptions opts;
  opts.edit = [](io::NamedTensors& t) {
    t.emplace_back("model.layers.0.self_attn.rotary_emb.inv_freq", Tensor::zeros(DType::kF32, {4}));
    t.emplace_back("lm_head.weight", Tensor::zeros(DType::kF32, {40, 48}));  // tied: ignored
    t.emplace_back("model.layers.0.mlp.gate_proj.bias", Tensor::zeros(DType::kF32, {80}));
    t.emplace_back("vision_tower.weight", Tensor::zeros(DType::kF32, {2}));
  };
  write_checkpoint(dir.path(), slimlm::testing::qwen2_config(), opts);
  ::testing::internal::CaptureStderr();
  const auto model = Model::load(dir.path());
  const std::string err = ::testing::internal::GetCapturedStderr();
  expect_contains(err, "2 tensor(s) not used");
  expect_contains(err, "model.layers.0.mlp.gate_proj.bias");
  expect_contains(err, "vision_tower.weight");
  EXPECT_EQ(err.find("inv_freq"), std::string::npos) << err;
  EXPECT_EQ(err.find("lm_head"), std::string::npos) << err;
  // The tied head is the embedding, not the zeros stored under lm_head.
  EXPECT_TRUE(model->weights().tied);
}

}  // namespace
}  // namespace slimlm::model
