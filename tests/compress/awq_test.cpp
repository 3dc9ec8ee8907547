// AWQ: the scale search and folding leave the model's function unchanged
// before quantization (logits within 1e-5), on an MHA fixture (v -> o
// folding) and on Qwen2 (biases); scale and clip helpers.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "slimlm/compress/awq.h"
#include "slimlm/compress/calibrated_quantize.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/model/model.h"
#include "slimlm/quant/pack.h"
#include "slimlm/quant/rtn.h"
#include "test_util.h"

namespace slimlm::compress {
namespace {

namespace fs = std::filesystem;
using quant::QuantFormat;

const fs::path kSource = SLIMLM_SOURCE_DIR;

using slimlm::testing::TempDir;  // tests/io/test_util.h

TEST(Awq, FoldedScalesLeaveLogitsUnchanged) {
  for (const char* name : {"tiny-llama-spm", "tiny-qwen2"}) {
    SCOPED_TRACE(name);
    const fs::path base_dir = kSource / "models" / name;
    TempDir tmp;
    CalibratedOptions o;
    o.method = "awq";
    o.pass.plan = QuantPlan(QuantFormat::kInt3G64);  // a coarse format: real scales get chosen
    o.pass.awq.quantize = false;
    o.pass.awq.search_samples = 4;
    o.calib_file = kSource / "tests" / "data" / "war-and-peace-heldout.txt";
    o.calib.samples = 8;
    o.calib.seq_len = 128;
    const fs::path out = tmp.path() / "folded";
    quantize_calibrated(base_dir, out, o);

    // The scales are real: norms changed, some ratio above 0.
    std::ifstream rf(out / "recipe.json");
    std::stringstream ss;
    ss << rf.rdbuf();
    const auto recipe = nlohmann::json::parse(ss.str());
    double max_ratio = 0;
    for (const auto& l : recipe["layers"]) {
      for (const auto& [k, v] : l["info"]["ratio"].items()) max_ratio = std::max(max_ratio, v.get<double>());
    }
    EXPECT_GT(max_ratio, 0.0);
    if (std::string(name) == "tiny-llama-spm") EXPECT_TRUE(recipe["layers"][0]["info"]["ratio"].contains("o"));
    const io::Checkpoint ck = io::Checkpoint::open(out);
    EXPECT_EQ(ck.info("model.layers.0.input_layernorm.weight").dtype, DType::kF32);

    const auto base = model::Model::load(base_dir);
    const auto folded = model::Model::load(out);
    std::mt19937 g(3);
    std::vector<int32_t> ids(2 * 96);
    for (auto& t : ids) t = static_cast<int32_t>(g() % 2000);
    const Tensor a = base->score(ids, 2, 96), b = folded->score(ids, 2, 96);
    double max_diff = 0, max_abs = 0;
    for (uint64_t i = 0; i < a.numel(); ++i) {
      max_diff = std::max(max_diff, static_cast<double>(std::fabs(a.data<float>()[i] - b.data<float>()[i])));
      max_abs = std::max(max_abs, static_cast<double>(std::fabs(a.data<float>()[i])));
    }
    std::printf("%s: max |logit difference| %.3g (max |logit| %.3g)\n", name, max_diff, max_abs);
    EXPECT_LE(max_diff, 1e-5 * std::max(1.0, max_abs));
  }
}

TEST(Awq, ScalesAreNormalisedPowersOfTheActivations) {
  const std::vector<float> xbar = {0.5f, 2.0f, 8.0f, 0.0f};
  const std::vector<float> s0 = awq_scales(xbar, 0.0);
  for (float v : s0) EXPECT_FLOAT_EQ(v, 1.0f);
  const std::vector<float> s = awq_scales(xbar, 0.5);
  // max(x^0.5, 1e-4) / sqrt(max * min)
  const double norm = std::sqrt(std::sqrt(8.0) * 1e-4);
  EXPECT_NEAR(s[0], std::sqrt(0.5) / norm, 1e-3);
  EXPECT_NEAR(s[2], std::sqrt(8.0) / norm, 1e-2);
  EXPECT_NEAR(s[3], 1e-4 / norm, 1e-6);
}

TEST(Awq, FakeQuantizeWithUnitScalesIsRoundToNearest) {
  std::mt19937 g(1);
  std::normal_distribution<float> d;
  Tensor w = Tensor::empty(DType::kF32, {8, 128});
  for (uint64_t i = 0; i < w.numel(); ++i) w.mutable_data<float>()[i] = d(g);
  const Tensor rtn = quant::dequantize(quant::quantize_rtn(w, QuantFormat::kInt4G32Asym));
  Tensor f = w.clone();
  const std::vector<float> ones(128, 1.0f);
  awq_fake_quantize(f.mutable_data<float>(), 8, 128, ones, QuantFormat::kInt4G32Asym);
  EXPECT_EQ(0, std::memcmp(f.raw_data(), rtn.raw_data(), f.nbytes()));
}

TEST(Awq, ClipSearchNeverRaisesTheOutputError) {
  std::mt19937 g(2);
  std::normal_distribution<double> d;
  const int64_t rows = 16, cols = 128, n = 512;
  std::vector<double> x(static_cast<size_t>(n * cols));
  for (auto& v : x) v = d(g);
  std::vector<double> h(static_cast<size_t>(cols * cols), 0.0);
  for (int64_t r = 0; r < n; ++r) {
    for (int64_t i = 0; i < cols; ++i) {
      for (int64_t j = 0; j < cols; ++j) h[static_cast<size_t>(i * cols + j)] += x[static_cast<size_t>(r * cols + i)] * x[static_cast<size_t>(r * cols + j)];
    }
  }
  Tensor w = Tensor::empty(DType::kF32, {rows, cols});
  std::student_t_distribution<float> heavy(2.0f);  // heavy tails: clipping pays
  for (uint64_t i = 0; i < w.numel(); ++i) w.mutable_data<float>()[i] = heavy(g);
  const QuantFormat f = QuantFormat::kInt3G64;
  auto err = [&](const Tensor& wq) {
    double e = 0;
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<double> dr(static_cast<size_t>(cols));
      for (int64_t c = 0; c < cols; ++c) dr[static_cast<size_t>(c)] = static_cast<double>(wq.data<float>()[r * cols + c]) - w.data<float>()[r * cols + c];
      for (int64_t i = 0; i < cols; ++i) {
        for (int64_t j = 0; j < cols; ++j) e += dr[static_cast<size_t>(i)] * h[static_cast<size_t>(i * cols + j)] * dr[static_cast<size_t>(j)];
      }
    }
    return e;
  };
  const double plain = err(quant::dequantize(quant::quantize_rtn(w, f)));
  Tensor c = w.clone();
  const std::vector<float> m = awq_clip(c.mutable_data<float>(), rows, cols, h, f, 20, 0.5);
  const double clipped = err(quant::dequantize(quant::quantize_rtn(c, f)));
  std::printf("output error: RTN %.4g, clipped then RTN %.4g\n", plain, clipped);
  EXPECT_LT(clipped, plain);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t gi = 0; gi < 2; ++gi) {
      float amax = 0;
      for (int64_t i = 0; i < 64; ++i) amax = std::max(amax, std::fabs(w.data<float>()[r * cols + gi * 64 + i]));
      EXPECT_LE(m[static_cast<size_t>(r * 2 + gi)], amax);
      EXPECT_GE(m[static_cast<size_t>(r * 2 + gi)], 0.5f * amax);
    }
  }
}

}  // namespace
}  // namespace slimlm::compress
