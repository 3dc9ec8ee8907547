// Perplexity of every fixture model against tests/golden/<fixture>/perplexity.json
// (transformers, fp32) under both protocols and every ctx there: the token
// streams must match exactly, the perplexity within 0.1 %.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <fstream>
#include <string>
#include <vector>

#include "slimlm/eval/corpus.h"
#include "slimlm/eval/perplexity.h"
#include "slimlm/model/model.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::eval {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const fs::path kSource = SLIMLM_SOURCE_DIR;

std::vector<std::string> fixtures_with_goldens() {
  std::vector<std::string> out;
  const fs::path models = kSource / "models";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(models, ec)) {
    if (fs::exists(e.path() / "model.safetensors") &&
        fs::exists(kSource / "tests" / "golden" / e.path().filename() / "perplexity.json")) {
      out.push_back(e.path().filename().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

class PerplexityGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(PerplexityGolden, BothProtocolsEveryCtx) {
  const std::string fixture = GetParam();
  const fs::path dir = kSource / "models" / fixture;
  std::ifstream in(kSource / "tests" / "golden" / fixture / "perplexity.json");
  const Json golden = Json::parse(in);
  const std::string text = read_text_file(kSource / golden["text_file"].get<std::string>());
  ASSERT_EQ(text.size(), golden["text_chars"].get<size_t>()) << "the held-out text changed";

  const auto model = model::Model::load(dir);
  const auto tok = tokenizer::Tokenizer::from_file(dir);
  for (const PplProtocol proto : {PplProtocol::kHf, PplProtocol::kLlamaCpp}) {
    const Json& g = golden[std::string(to_string(proto))];
    std::optional<int32_t> bos;
    if (proto == PplProtocol::kLlamaCpp) bos = g["bos_token_id"].get<int32_t>();
    ASSERT_EQ(bos.value_or(-1), proto == PplProtocol::kLlamaCpp
                                    ? static_cast<int32_t>(model->config().bos_token_id.value_or(-1))
                                    : -1);
    const std::vector<int32_t> tokens = encode_for_protocol(tok, text, proto, bos);
    ASSERT_EQ(tokens.size(), g["tokens"].get<size_t>()) << fixture << " " << to_string(proto);
    const auto head = g["tokens_head"].get<std::vector<int32_t>>();
    ASSERT_EQ(std::vector<int32_t>(tokens.begin(), tokens.begin() + static_cast<long>(head.size())), head);

    for (const auto& [key, entry] : g.items()) {
      if (!entry.is_object()) continue;
      const int64_t ctx = entry["ctx"].get<int64_t>();
      PerplexityOptions o;
      o.protocol = proto;
      o.ctx = ctx;
      o.bos = bos.value_or(-1);
      o.batch = 4;
      o.progress = false;
      const PerplexityResult r = evaluate_perplexity(score_fn(*model), tokens, o);
      const std::string what = fixture + " " + std::string(to_string(proto)) + " ctx " + key;
      EXPECT_EQ(r.chunks, entry["windows"].get<int64_t>()) << what;
      EXPECT_EQ(r.tokens_scored, entry["scored_tokens"].get<uint64_t>()) << what;
      EXPECT_EQ(first_scored_logit(proto, ctx), entry["first_scored_logit"].get<int64_t>()) << what;
      const double want = entry["ppl"].get<double>();
      EXPECT_NEAR(r.ppl, want, 1e-3 * want) << what;
      EXPECT_NEAR(r.nll_sum, entry["nll_sum"].get<double>(), 1e-3 * entry["nll_sum"].get<double>()) << what;
      const auto windows = entry["window_mean_nll"].get<std::vector<double>>();
      ASSERT_EQ(r.window_mean_nll.size(), windows.size()) << what;
      for (size_t w = 0; w < windows.size(); ++w) {
        EXPECT_NEAR(r.window_mean_nll[w], windows[w], 1e-3 * windows[w]) << what << " window " << w;
      }
      std::printf("%s: ppl %.4f (golden %.4f, rel diff %.2e)\n", what.c_str(), r.ppl, want,
                  (r.ppl - want) / want);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, PerplexityGolden, ::testing::ValuesIn(fixtures_with_goldens()),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(PerplexityGolden);

}  // namespace
}  // namespace slimlm::eval
