// quantize -> save -> load -> eval on every fixture in models/: perplexity
// and KL divergence from the original on the held-out War and Peace text
// (llama.cpp protocol, ctx 256) must order int8 < 4-bit g128 < 3-bit g128 <
// 2-bit g64, with int8 within 0.5 % of the original's perplexity.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "slimlm/eval/corpus.h"
#include "slimlm/eval/kld.h"
#include "slimlm/model/model.h"
#include "slimlm/model/quantize_model.h"
#include "slimlm/tokenizer/tokenizer.h"
#include "test_util.h"

namespace slimlm {
namespace {

namespace fs = std::filesystem;
using quant::QuantFormat;

const fs::path kSource = SLIMLM_SOURCE_DIR;

using slimlm::testing::TempDir;  // tests/io/test_util.h

struct Level {
  const char* label;
  QuantFormat format;
  QuantFormat fallback;  // for rows the group does not divide (tiny-qwen2's 704-wide down_proj)
};

constexpr Level kLevels[] = {
    {"int8", QuantFormat::kInt8, QuantFormat::kInt8},
    {"int4_g128", QuantFormat::kInt4G128, QuantFormat::kInt4G64},
    {"int3_g128", QuantFormat::kInt3G128, QuantFormat::kInt3G64},
    {"int2_g64", QuantFormat::kInt2G64, QuantFormat::kInt2G64},
};

class QuantizedFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(QuantizedFixture, QualityOrdersByBits) {
  const fs::path base_dir = kSource / "models" / GetParam();
  const auto base = model::Model::load(base_dir);
  const auto tok = tokenizer::Tokenizer::from_file(base_dir);
  const std::string text = eval::read_text_file(kSource / "tests" / "data" / "war-and-peace-heldout.txt");
  const auto bos = base->config().bos_token_id;
  ASSERT_TRUE(bos.has_value());
  const std::vector<int32_t> tokens =
      eval::encode_for_protocol(tok, text, eval::PplProtocol::kLlamaCpp, static_cast<int32_t>(*bos));
  eval::PerplexityOptions po;
  po.protocol = eval::PplProtocol::kLlamaCpp;
  po.ctx = 256;
  po.batch = 8;
  po.bos = static_cast<int32_t>(*bos);
  po.progress = false;

  TempDir tmp;
  std::vector<eval::KldSummary> stats;
  for (const Level& level : kLevels) {
    const fs::path out = tmp.path() / level.label;
    model::QuantizeOptions opt;
    opt.format = level.format;
    if (base->config().intermediate_size % quant::format_traits(level.format).group_length(1 << 20) != 0) {
      opt.overrides.push_back({"down_proj", level.fallback});
    }
    const model::QuantizeReport r = model::quantize_model(base_dir, out, opt);
    EXPECT_EQ(r.params_quantized, r.params_linear) << level.label;

    const auto q = model::Model::load(out);
    // The tokenizer travels with the weights.
    ASSERT_EQ(tokenizer::Tokenizer::from_file(out).encode(text.substr(0, 2000), false),
              tok.encode(text.substr(0, 2000), false));
    const eval::KldResult k = eval::evaluate_kld(eval::score_fn(*base), eval::score_fn(*q), tokens, po);
    stats.push_back(k.stats);
    std::printf("%-16s %-10s bpw %.3f  PPL %.4f (base %.4f, ratio %.4f)  KLD %.6f  top-1 %.2f %%\n",
                GetParam().c_str(), level.label, r.bits_per_weight_linear(), k.stats.ppl_model,
                k.stats.ppl_base, k.stats.ppl_ratio, k.stats.kld_mean, 100 * k.stats.top1);
  }
  EXPECT_NEAR(stats[0].ppl_ratio, 1.0, 0.005) << "int8 within 0.5 % of the original";
  for (size_t i = 1; i < stats.size(); ++i) {
    EXPECT_GT(stats[i].ppl_model, stats[i - 1].ppl_model) << kLevels[i].label << " vs " << kLevels[i - 1].label;
    EXPECT_GT(stats[i].kld_mean, stats[i - 1].kld_mean) << kLevels[i].label << " vs " << kLevels[i - 1].label;
    EXPECT_LT(stats[i].top1, stats[i - 1].top1) << kLevels[i].label << " vs " << kLevels[i - 1].label;
  }
  // Beyond the ordering: the separations are large, not noise.
  EXPECT_GT(stats[1].kld_mean, 20 * stats[0].kld_mean);
  EXPECT_GT(stats[3].ppl_ratio, 1.5);
}

std::vector<std::string> fixtures() {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(kSource / "models")) {
    if (fs::exists(e.path() / "model.safetensors")) out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

INSTANTIATE_TEST_SUITE_P(Fixtures, QuantizedFixture, ::testing::ValuesIn(fixtures()),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s) {
                             if (c == '-') c = '_';
                           }
                           return s;
                         });

}  // namespace
}  // namespace slimlm
