// GPTQ and AWQ against round-to-nearest on every fixture: calibrated on the
// first half of the held-out War and Peace slice, evaluated (KL divergence
// from the original, llama.cpp protocol, ctx 256, weights only: f32
// activations) on the second half, at 4-bit and 3-bit with groups of 128.
// Also: the same seed gives the same checkpoint, byte for byte.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

#include "slimlm/compress/calibrated_quantize.h"
#include "slimlm/eval/corpus.h"
#include "slimlm/eval/kld.h"
#include "slimlm/kernels/cpu/quant_matmul.h"
#include "slimlm/model/model.h"
#include "slimlm/tokenizer/tokenizer.h"
#include "test_util.h"

namespace slimlm::compress {
namespace {

namespace fs = std::filesystem;
using quant::QuantFormat;

const fs::path kSource = SLIMLM_SOURCE_DIR;

using slimlm::testing::TempDir;  // tests/io/test_util.h

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The text split at the line break nearest its middle.
std::pair<std::string, std::string> halves() {
  const std::string text = read_file(kSource / "tests" / "data" / "war-and-peace-heldout.txt");
  const size_t cut = text.find('\n', text.size() / 2) + 1;
  return {text.substr(0, cut), text.substr(cut)};
}

CalibratedOptions options(const std::string& method, QuantFormat f, QuantFormat fallback,
                          const fs::path& calib) {
  CalibratedOptions o;
  o.method = method;
  o.pass.plan = QuantPlan(f, {{"down_proj", fallback}});
  o.calib_file = calib;
  o.calib.samples = 32;
  o.calib.seq_len = 128;
  o.pass.awq.search_samples = 8;
  return o;
}

struct Result {
  double kld, ppl, top1;
};

class CalibratedFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(CalibratedFixture, GptqAndAwqBeatRoundToNearest) {
  kernels::set_quant_activations(kernels::QuantActivations::kF32);
  const fs::path base_dir = kSource / "models" / GetParam();
  const auto base = model::Model::load(base_dir);
  const auto tok = tokenizer::Tokenizer::from_file(base_dir);
  TempDir tmp;
  const auto [calib_text, eval_text] = halves();
  const fs::path calib = tmp.path() / "calib.txt";
  std::ofstream(calib, std::ios::binary) << calib_text;
  const int32_t bos = static_cast<int32_t>(*base->config().bos_token_id);
  const std::vector<int32_t> tokens = eval::encode_for_protocol(tok, eval_text, eval::PplProtocol::kLlamaCpp, bos);
  eval::PerplexityOptions po;
  po.ctx = 256;
  po.batch = 8;
  po.bos = bos;
  po.progress = false;

  // tiny-qwen2's MLP is 704 wide: its down_proj takes groups of 64.
  const bool narrow = base->config().intermediate_size % 128 != 0;
  struct Level {
    const char* label;
    QuantFormat f, fallback;
  };
  const Level levels[] = {{"w4g128", QuantFormat::kInt4G128, narrow ? QuantFormat::kInt4G64 : QuantFormat::kInt4G128},
                          {"w3g128", QuantFormat::kInt3G128, narrow ? QuantFormat::kInt3G64 : QuantFormat::kInt3G128}};
  for (const Level& lv : levels) {
    std::map<std::string, Result> res;
    for (const char* method : {"rtn", "gptq", "awq"}) {
      const fs::path out = tmp.path() / (std::string(lv.label) + "-" + method);
      const CalibratedReport r = quantize_calibrated(base_dir, out, options(method, lv.f, lv.fallback, calib));
      EXPECT_EQ(r.params_quantized, r.params_linear);
      const auto q = model::Model::load(out);
      const eval::KldResult k = eval::evaluate_kld(eval::score_fn(*base), eval::score_fn(*q), tokens, po);
      res[method] = {k.stats.kld_mean, k.stats.ppl_model, k.stats.top1};
      std::printf("%-15s %s %-5s KLD %.6f  PPL %.3f (base %.3f)  top-1 %.2f %%  %.1f s\n", GetParam().c_str(),
                  lv.label, method, k.stats.kld_mean, k.stats.ppl_model, k.stats.ppl_base, 100 * k.stats.top1,
                  r.seconds);
    }
    EXPECT_LT(res["gptq"].kld, res["rtn"].kld) << lv.label;
    EXPECT_LT(res["awq"].kld, res["rtn"].kld) << lv.label;
    EXPECT_LT(res["gptq"].ppl, res["rtn"].ppl) << lv.label;
    EXPECT_LT(res["awq"].ppl, res["rtn"].ppl) << lv.label;
  }
  kernels::set_quant_activations(std::nullopt);
}

std::vector<std::string> fixtures() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kSource / "models")) {
    if (fs::exists(e.path() / "model.safetensors")) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CalibratedFixture, ::testing::ValuesIn(fixtures()),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s) {
                             if (c == '-') c = '_';
                           }
                           return s;
                         });

TEST(CalibratedQuantize, SameSeedSameCheckpoint) {
  const fs::path base_dir = kSource / "models" / "tiny-llama";
  TempDir tmp;
  const fs::path calib = tmp.path() / "calib.txt";
  std::ofstream(calib, std::ios::binary) << halves().first;
  CalibratedOptions o = options("gptq", QuantFormat::kInt4G128, QuantFormat::kInt4G128, calib);
  o.calib.samples = 8;
  o.pass.gptq.act_order = true;
  quantize_calibrated(base_dir, tmp.path() / "a", o);
  quantize_calibrated(base_dir, tmp.path() / "b", o);
  o.calib.seed = 1;
  quantize_calibrated(base_dir, tmp.path() / "c", o);
  const std::string a = read_file(tmp.path() / "a" / "model.safetensors");
  EXPECT_EQ(a, read_file(tmp.path() / "b" / "model.safetensors"));
  EXPECT_NE(a, read_file(tmp.path() / "c" / "model.safetensors"));
}

}  // namespace
}  // namespace slimlm::compress
