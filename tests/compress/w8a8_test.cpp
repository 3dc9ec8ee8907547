// W8A8: the int8 x int8 -> int32 kernels (every ISA path against the scalar
// reference, tails included), per-token activation quantization, the
// W8A8Linear, the int-quantized checkpoint form, and SmoothQuant end to end
// on a fixture (save, load, evaluate).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "slimlm/compress/calibrated_quantize.h"
#include "slimlm/compress/smoothquant.h"
#include "slimlm/core/cpu_features.h"
#include "slimlm/core/error.h"
#include "slimlm/io/checkpoint.h"
#include "slimlm/kernels/cpu/int8_gemm.h"
#include "slimlm/kernels/ref/int8_ref.h"
#include "slimlm/model/model.h"
#include "slimlm/model/w8a8_linear.h"
#include "slimlm/quant/compressed_tensors.h"
#include "slimlm/quant/int_quantized.h"
#include "slimlm/quant/pack.h"
#include "test_util.h"

namespace slimlm {
namespace {

namespace fs = std::filesystem;

std::vector<Isa> isas() {
  std::vector<Isa> v = {Isa::kScalar};
  if (cpu_features().avx2) v.push_back(Isa::kAvx2);
  if (cpu_features().avx512f && cpu_features().avx512bw) v.push_back(Isa::kAvx512);
  return v;
}

TEST(Int8Gemm, EveryPathMatchesTheReference) {
  std::mt19937 g(1);
  std::uniform_int_distribution<int> code(-127, 127);
  std::uniform_real_distribution<float> scale(0.001f, 0.1f);
  for (int64_t K : {1, 31, 32, 63, 64, 65, 130, 704}) {
    for (int64_t M : {1, 3}) {
      for (int64_t N : {1, 5, 19}) {
        std::vector<int8_t> qx(static_cast<size_t>(M * K)), qw(static_cast<size_t>(N * K));
        for (auto& v : qx) v = static_cast<int8_t>(code(g));
        for (auto& v : qw) v = static_cast<int8_t>(code(g));
        // Extremes on purpose: every product at ±127².
        qx[0] = 127;
        qw[0] = -127;
        std::vector<float> sx(static_cast<size_t>(M)), sw(static_cast<size_t>(N));
        for (auto& v : sx) v = scale(g);
        for (auto& v : sw) v = scale(g);
        std::vector<int32_t> sums(static_cast<size_t>(N));
        kernels::int8_row_sums(qw.data(), N, K, sums.data());
        std::vector<float> want(static_cast<size_t>(M * N)), got(want.size());
        kernels::ref::int8_gemm(qx.data(), sx.data(), qw.data(), sw.data(), want.data(), M, N, K);
        for (Isa isa : isas()) {
          kernels::int8_gemm(qx.data(), sx.data(), qw.data(), sw.data(), sums.data(), got.data(), M, N, K, isa);
          for (size_t i = 0; i < want.size(); ++i) {
            ASSERT_NEAR(got[i], want[i], 1e-6f * std::fabs(want[i]) + 1e-30f)
                << "isa " << to_string(isa) << " K " << K << " M " << M << " N " << N << " i " << i;
          }
        }
      }
    }
  }
}

TEST(Int8Gemm, ActivationsAreQuantizedPerTokenLikeSmoothQuant) {
  const std::vector<float> x = {0.5f, -1.0f, 0.25f, 2.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  std::vector<int8_t> q(8);
  std::vector<float> s(2);
  kernels::quantize_rows_int8(x.data(), 2, 4, q.data(), s.data());
  EXPECT_FLOAT_EQ(s[0], 2.0f / 127.0f);
  EXPECT_EQ(q[3], 127);
  EXPECT_EQ(q[1], static_cast<int8_t>(std::nearbyint(-1.0f / (2.0f / 127.0f))));
  EXPECT_EQ(q[0], static_cast<int8_t>(std::nearbyint(0.5f / (2.0f / 127.0f))));
  EXPECT_FLOAT_EQ(s[1], 1e-5f / 127.0f);  // an all-zero row
  EXPECT_EQ(q[4], 0);
}

TEST(W8A8Linear, ApproximatesTheFloatProductAndRoundTripsThroughDisk) {
  std::mt19937 g(2);
  std::normal_distribution<float> d;
  const int64_t out = 24, in = 96, M = 5;
  Tensor w = Tensor::empty(DType::kF32, {out, in});
  for (uint64_t i = 0; i < w.numel(); ++i) w.mutable_data<float>()[i] = 0.1f * d(g);
  Tensor bias = Tensor::empty(DType::kF32, {out});
  for (int64_t i = 0; i < out; ++i) bias.mutable_data<float>()[i] = d(g);
  std::vector<float> x(static_cast<size_t>(M * in));
  for (auto& v : x) v = d(g);

  const quant::QuantizedTensor q = model::quantize_int8_per_channel(w);
  EXPECT_EQ(q.scales.dtype(), DType::kF32);
  const model::W8A8Linear lin(q, bias);
  std::vector<float> y(static_cast<size_t>(M * out)), exact(y.size());
  lin.forward(x.data(), M, y.data());
  double err = 0, norm = 0;
  for (int64_t m = 0; m < M; ++m) {
    for (int64_t n = 0; n < out; ++n) {
      double s = bias.data<float>()[n];
      for (int64_t k = 0; k < in; ++k) s += static_cast<double>(x[static_cast<size_t>(m * in + k)]) * w.data<float>()[n * in + k];
      exact[static_cast<size_t>(m * out + n)] = static_cast<float>(s);
      err += std::pow(y[static_cast<size_t>(m * out + n)] - s, 2);
      norm += s * s;
    }
  }
  EXPECT_LT(err / norm, 1e-4);  // two 8-bit roundings
  EXPECT_GT(err, 0.0);

  const io::NamedTensors disk = quant::int_quantized_to_disk("m", q);
  ASSERT_EQ(disk.size(), 2u);
  EXPECT_EQ(disk[0].first, "m.weight");
  EXPECT_EQ(disk[0].second.dtype(), DType::kI8);
  EXPECT_EQ(disk[1].second.shape(), (Shape{out, 1}));
  const quant::QuantizedTensor back = quant::int_quantized_from_disk(
      "m",
      [&](const std::string& n) -> std::optional<Tensor> {
        for (const auto& [k, t] : disk) {
          if (k == n) return t;
        }
        return std::nullopt;
      },
      "disk");
  const model::W8A8Linear lin2(back, bias);
  std::vector<float> y2(y.size());
  lin2.forward(x.data(), M, y2.data());
  EXPECT_EQ(y, y2);
}

TEST(W8A8Config, IntQuantizedGroupsRoundTripAndOtherActivationsAreRefused) {
  quant::QuantizationConfig c;
  c.groups.push_back({"group_0", quant::QuantFormat::kInt8, {"Linear"}, false, true});
  const nlohmann::json j = nlohmann::json::parse(c.to_json().dump());
  EXPECT_EQ(j["format"], "int-quantized");
  EXPECT_EQ(j["config_groups"]["group_0"]["input_activations"]["strategy"], "token");
  const quant::QuantizationConfig back = quant::QuantizationConfig::from_json(j, "cfg");
  ASSERT_EQ(back.groups.size(), 1u);
  EXPECT_TRUE(back.groups[0].int8_activations);
  nlohmann::json bad = j;
  bad["config_groups"]["group_0"]["input_activations"]["strategy"] = "tensor";
  bad["config_groups"]["group_0"]["input_activations"]["dynamic"] = false;
  EXPECT_THROW(quant::QuantizationConfig::from_json(bad, "cfg"), UnsupportedError);
}

TEST(SmoothQuant, ScalesMigrateTheActivationRange) {
  const std::vector<float> act = {4.0f, 1.0f, 100.0f};
  const std::vector<float> w1 = {1.0f, 0.5f, 0.01f, -2.0f, 0.25f, 0.02f};  // [2, 3]
  const float* ws[] = {w1.data()};
  const int64_t rows[] = {2};
  const std::vector<float> s = compress::smoothquant_scales(act, ws, rows, 3, 0.5);
  EXPECT_NEAR(s[0], std::sqrt(4.0) / std::sqrt(2.0), 1e-6);
  EXPECT_NEAR(s[1], std::sqrt(1.0) / std::sqrt(0.5), 1e-6);
  EXPECT_NEAR(s[2], std::sqrt(100.0) / std::sqrt(0.02), 1e-3);
}

using slimlm::testing::TempDir;  // tests/io/test_util.h

TEST(SmoothQuant, W8A8CheckpointLoadsAndStaysClose) {
  const fs::path base_dir = fs::path(SLIMLM_SOURCE_DIR) / "models" / "tiny-qwen2";
  TempDir tmp;
  compress::CalibratedOptions o;
  o.method = "smoothquant";
  o.pass.plan = compress::QuantPlan(quant::QuantFormat::kInt8);
  o.pass.smoothquant.alpha.reset();  // search
  o.pass.smoothquant.search_samples = 2;
  o.calib_file = fs::path(SLIMLM_SOURCE_DIR) / "tests" / "data" / "war-and-peace-heldout.txt";
  o.calib.samples = 8;
  o.calib.seq_len = 128;
  const compress::CalibratedReport r = compress::quantize_calibrated(base_dir, tmp.path() / "w8a8", o);
  EXPECT_EQ(r.params_quantized, r.params_linear);
  EXPECT_NEAR(r.bits_per_weight_linear(), 8.0, 0.2);

  const auto base = model::Model::load(base_dir);
  const auto q = model::Model::load(tmp.path() / "w8a8");
  EXPECT_EQ(q->weights().layers[0].q->kind(), "w8a8");
  std::mt19937 g(4);
  std::vector<int32_t> ids(128);
  for (auto& t : ids) t = static_cast<int32_t>(g() % 2900);
  const Tensor a = base->score(ids, 1, 128), b = q->score(ids, 1, 128);
  // Softmax distributions close: mean KL below 0.01 nats.
  const int64_t V = base->vocab_size();
  double kl = 0;
  for (int64_t t = 0; t < 128; ++t) {
    const float* la = a.data<float>() + t * V;
    const float* lb = b.data<float>() + t * V;
    double ma = la[0], mb = lb[0];
    for (int64_t v = 1; v < V; ++v) ma = std::max<double>(ma, la[v]), mb = std::max<double>(mb, lb[v]);
    double za = 0, zb = 0;
    for (int64_t v = 0; v < V; ++v) za += std::exp(la[v] - ma), zb += std::exp(lb[v] - mb);
    for (int64_t v = 0; v < V; ++v) {
      const double pa = std::exp(la[v] - ma) / za;
      kl += pa * ((la[v] - ma - std::log(za)) - (lb[v] - mb - std::log(zb)));
    }
  }
  kl /= 128;
  std::printf("tiny-qwen2 W8A8 (alpha searched): mean KL %.5f\n", kl);
  EXPECT_LT(kl, 0.01);
  EXPECT_GT(kl, 0.0);
}

}  // namespace
}  // namespace slimlm
