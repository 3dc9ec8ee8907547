#include "slimlm/eval/ppl_protocol.h"

#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include "slimlm/core/error.h"

namespace slimlm::eval {
namespace {

std::vector<int32_t> iota_tokens(int n, int32_t start = 100) {
  std::vector<int32_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

TEST(PplProtocol, NamesRoundTrip) {
  EXPECT_EQ(to_string(PplProtocol::kHf), "hf");
  EXPECT_EQ(to_string(PplProtocol::kLlamaCpp), "llama.cpp");
  EXPECT_EQ(ppl_protocol_from_string("hf"), PplProtocol::kHf);
  EXPECT_EQ(ppl_protocol_from_string("llama.cpp"), PplProtocol::kLlamaCpp);
  EXPECT_FALSE(ppl_protocol_from_string("wikitext").has_value());
  EXPECT_FALSE(ppl_protocol_from_string("HF").has_value());
}

TEST(PplProtocol, FirstScoredLogit) {
  EXPECT_EQ(first_scored_logit(PplProtocol::kHf, 512), 0);
  EXPECT_EQ(first_scored_logit(PplProtocol::kLlamaCpp, 512), 256);
  EXPECT_EQ(first_scored_logit(PplProtocol::kLlamaCpp, 7), 3);
}

TEST(PplProtocol, TokenStreams) {
  const std::vector<int32_t> with = {1, 10, 11, 12};  // tokenizer added BOS 1
  const std::vector<int32_t> without = {10, 11, 12};
  EXPECT_EQ(protocol_tokens(PplProtocol::kHf, with, without, 5), with);
  EXPECT_EQ(protocol_tokens(PplProtocol::kLlamaCpp, with, without, 5),
            (std::vector<int32_t>{5, 10, 11, 12}));
  EXPECT_THROW(protocol_tokens(PplProtocol::kLlamaCpp, with, without, std::nullopt), ConfigError);
  // hf needs no BOS.
  EXPECT_EQ(protocol_tokens(PplProtocol::kHf, without, without, std::nullopt), without);
}

TEST(PplProtocol, PlanCountsFullWindowsOnly) {
  const WindowPlan hf = plan_windows(PplProtocol::kHf, 1000, 128);
  EXPECT_EQ(hf.windows, 7);
  EXPECT_EQ(hf.windows_total, 7);
  EXPECT_EQ(hf.first, 0);
  EXPECT_EQ(hf.scored_per_window(), 127);
  EXPECT_EQ(hf.scored_tokens(), 7 * 127);

  const WindowPlan lc = plan_windows(PplProtocol::kLlamaCpp, 1024, 128);
  EXPECT_EQ(lc.windows, 8);  // exact multiple: no partial chunk to drop
  EXPECT_EQ(lc.first, 64);
  EXPECT_EQ(lc.scored_per_window(), 63);  // tokens 65..127

  // llama-perplexity at ctx 512 scores 255 tokens per chunk (PEERS.md: 250
  // chunks -> 63,750 tokens).
  EXPECT_EQ(plan_windows(PplProtocol::kLlamaCpp, 300000, 512, 250).scored_tokens(), 63750);
}

TEST(PplProtocol, LimitChunks) {
  EXPECT_EQ(plan_windows(PplProtocol::kHf, 1000, 100, 3).windows, 3);
  EXPECT_EQ(plan_windows(PplProtocol::kHf, 1000, 100, 3).windows_total, 10);
  EXPECT_EQ(plan_windows(PplProtocol::kHf, 1000, 100, 50).windows, 10);
  EXPECT_EQ(plan_windows(PplProtocol::kHf, 1000, 100, 0).windows, 10);
  EXPECT_EQ(plan_windows(PplProtocol::kHf, 1000, 100, -1).windows, 10);
}

TEST(PplProtocol, PlanRejectsBadInput) {
  EXPECT_THROW(plan_windows(PplProtocol::kHf, 99, 100), ConfigError);  // shorter than a window
  EXPECT_THROW(plan_windows(PplProtocol::kHf, 1000, 1), ConfigError);
  EXPECT_THROW(plan_windows(PplProtocol::kHf, 1000, 0), ConfigError);
  EXPECT_THROW(plan_windows(PplProtocol::kLlamaCpp, 1000, 2), ConfigError);  // ctx/2 = 1 = ctx-1
  EXPECT_NO_THROW(plan_windows(PplProtocol::kLlamaCpp, 1000, 3));
  EXPECT_NO_THROW(plan_windows(PplProtocol::kHf, 1000, 2));
  try {
    plan_windows(PplProtocol::kLlamaCpp, 50, 64);
    FAIL();
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("50 tokens"), std::string::npos) << e.what();
  }
}

TEST(PplProtocol, WindowsAreConsecutiveAndLlamaCppStartsWithBos) {
  const auto tokens = iota_tokens(35);
  const WindowPlan lc = plan_windows(PplProtocol::kLlamaCpp, 35, 8);
  ASSERT_EQ(lc.windows, 4);  // 3 tokens dropped
  std::vector<int32_t> w(8);
  window_tokens(lc, tokens, 2, 7, w);
  EXPECT_EQ(w, (std::vector<int32_t>{7, 117, 118, 119, 120, 121, 122, 123}));

  const WindowPlan hf = plan_windows(PplProtocol::kHf, 35, 8);
  window_tokens(hf, tokens, 2, 7, w);
  EXPECT_EQ(w, (std::vector<int32_t>{116, 117, 118, 119, 120, 121, 122, 123}));
  EXPECT_THROW(window_tokens(hf, tokens, 4, 7, w), Error);
}

// Which positions of the token stream are scored: hf every window position
// but the first, llama.cpp the second half minus the chunk's midpoint.
TEST(PplProtocol, ScoredStreamPositions) {
  for (auto p : {PplProtocol::kHf, PplProtocol::kLlamaCpp}) {
    const WindowPlan plan = plan_windows(p, 40, 10);
    std::set<int64_t> scored;
    for (int64_t w = 0; w < plan.windows; ++w) {
      for (int64_t j = plan.first; j < plan.ctx - 1; ++j) scored.insert(w * plan.ctx + j + 1);
    }
    std::set<int64_t> want;
    for (int64_t w = 0; w < 4; ++w) {
      const int64_t lo = p == PplProtocol::kHf ? 1 : 6;  // ctx/2 + 1
      for (int64_t k = lo; k <= 9; ++k) want.insert(w * 10 + k);
    }
    EXPECT_EQ(scored, want) << to_string(p);
    EXPECT_EQ(static_cast<int64_t>(scored.size()), plan.scored_tokens());
  }
}

}  // namespace
}  // namespace slimlm::eval
