// Log-likelihood scoring on the fixture model (models/tiny-llama): a
// continuation's log-likelihood is the sum of the per-token log-probabilities
// of Model::score(); the KV-cache and batched paths agree; lm-eval's pair
// encoding and left truncation; items whose right answer is known (the
// model's own greedy continuation against word salad) are answered right;
// greedy generation stops where it should.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "slimlm/core/error.h"
#include "slimlm/eval/logprob.h"
#include "slimlm/eval/tasks/greedy_until.h"
#include "slimlm/eval/tasks/loglikelihood.h"
#include "slimlm/eval/tasks/multiple_choice.h"
#include "slimlm/model/model.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::eval {
namespace {

namespace fs = std::filesystem;

class Fixture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const fs::path dir = fs::path(SLIMLM_SOURCE_DIR) / "models" / "tiny-llama";
    if (!fs::exists(dir / "model.safetensors")) return;
    model_ = model::Model::load(dir).release();
    tok_ = new tokenizer::Tokenizer(tokenizer::Tokenizer::from_file(dir));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete tok_;
    model_ = nullptr;
    tok_ = nullptr;
  }
  void SetUp() override {
    if (!model_) GTEST_SKIP() << "no fixture model";
  }
  // Σ log p(token) over the continuation from one Model::score() of the
  // whole (possibly left-truncated) sequence: the definition.
  static double reference_ll(const LlRequest& r, int64_t max_length) {
    std::vector<int32_t> full = r.context;
    full.insert(full.end(), r.continuation.begin(), r.continuation.end());
    if (static_cast<int64_t>(full.size()) > max_length + 1) full.erase(full.begin(), full.end() - (max_length + 1));
    const std::vector<int32_t> inp(full.begin(), full.end() - 1);
    const auto T = static_cast<int64_t>(inp.size());
    const Tensor logits = model_->score(inp, 1, T);
    const int64_t V = model_->vocab_size();
    double ll = 0.0;
    const auto n = static_cast<int64_t>(r.continuation.size());
    for (int64_t j = 0; j < n; ++j) {
      const int64_t pos = T - n + j;
      ll -= token_nll(std::span(logits.data<float>() + pos * V, static_cast<size_t>(V)),
                      r.continuation[static_cast<size_t>(j)]);
    }
    return ll;
  }
  static std::string greedy_text(const std::string& prompt, int n) {
    auto cache = model_->new_cache(256);
    std::vector<int32_t> ids = tok_->encode(prompt, false);
    Tensor lg = model_->decode(*cache, ids);
    std::vector<int32_t> out;
    for (int i = 0; i < n; ++i) {
      const float* p = lg.data<float>();
      const auto next = static_cast<int32_t>(std::max_element(p, p + model_->vocab_size()) - p);
      out.push_back(next);
      lg = model_->decode(*cache, std::span(&out.back(), 1));
    }
    return tok_->decode(out);
  }
  static model::Model* model_;
  static tokenizer::Tokenizer* tok_;
};
model::Model* Fixture::model_ = nullptr;
tokenizer::Tokenizer* Fixture::tok_ = nullptr;

TEST_F(Fixture, EncodePairFollowsLmEval) {
  const int32_t eot = eot_id(*model_, *tok_);
  // The trailing space moves to the continuation: context "x is", continuation " Paris".
  const EncodedPair p = encode_pair(*tok_, "The capital of France is ", "Paris", eot);
  EXPECT_EQ(p.context, tok_->encode("The capital of France is", false));
  const auto whole = tok_->encode("The capital of France is Paris", false);
  EXPECT_EQ(p.continuation, std::vector<int32_t>(whole.begin() + static_cast<std::ptrdiff_t>(p.context.size()), whole.end()));
  // An empty context is [EOT]; BOS starts both encodings when asked.
  const EncodedPair e = encode_pair(*tok_, "", "Hello there", eot);
  EXPECT_EQ(e.context, std::vector<int32_t>{eot});
  EXPECT_EQ(e.continuation, tok_->encode("Hello there", false));
  const EncodedPair b = encode_pair(*tok_, "Hello", " there", eot, 0);
  EXPECT_EQ(b.context.front(), 0);
  EXPECT_EQ(b.context.size(), tok_->encode("Hello", false).size() + 1);
  EXPECT_THROW(encode_pair(*tok_, "Hello", "", eot), Error);
}

TEST_F(Fixture, LoglikelihoodIsTheSumOfPerTokenLogProbs) {
  const int32_t eot = eot_id(*model_, *tok_);
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"It was the best of times, it was the", " worst of times"},
      {"It was the best of times, it was the", " age of wisdom"},
      {"It was the best of times, it was the", " worst"},
      {"Prince Andrew looked at", " the sky"},
      {"", "The end."},
  };
  std::vector<LlRequest> reqs;
  for (const auto& [c, x] : pairs) {
    EncodedPair p = encode_pair(*tok_, c, x, eot);
    reqs.push_back({p.context, p.continuation});
  }
  ScorerOptions cached;
  ScoreStats st;
  const auto a = score_loglikelihood(*model_, reqs, cached, &st);
  ScorerOptions batched;
  batched.batch = 3;
  const auto b = score_loglikelihood(*model_, reqs, batched);
  for (size_t i = 0; i < reqs.size(); ++i) {
    const double ref = reference_ll(reqs[i], 512);
    // Padded batch rows: the same product, other blocking, f32 rounding apart.
    EXPECT_NEAR(b[i].logprob, ref, 1e-5 * std::max(1.0, std::fabs(ref))) << i;
    EXPECT_NEAR(a[i].logprob, ref, 2e-4 * std::max(1.0, std::fabs(ref))) << i;  // KV-cache decode, f32
    EXPECT_EQ(a[i].greedy, b[i].greedy) << i;
    EXPECT_LT(a[i].logprob, 0.0);
  }
  // The three requests on one context computed it once.
  EXPECT_GT(st.reused_tokens, 0u);
}

TEST_F(Fixture, LeftTruncationToMaxLength) {
  const int32_t eot = eot_id(*model_, *tok_);
  EncodedPair p = encode_pair(*tok_, "It was the best of times, it was the worst of times, it was the age of wisdom,",
                              " it was the age of foolishness", eot);
  const LlRequest r{p.context, p.continuation};
  ASSERT_GT(r.context.size() + r.continuation.size(), 17u);
  for (int64_t batch : {0, 2}) {
    ScorerOptions o;
    o.max_length = 16;
    o.batch = batch;
    const auto res = score_loglikelihood(*model_, {r}, o);
    EXPECT_NEAR(res[0].logprob, reference_ll(r, 16), 2e-4 * std::fabs(res[0].logprob)) << batch;
  }
  ScorerOptions tiny;
  tiny.max_length = static_cast<int64_t>(r.continuation.size()) - 1;
  EXPECT_THROW(score_loglikelihood(*model_, {r}, tiny), ConfigError);
  EXPECT_THROW(score_loglikelihood(*model_, {LlRequest{{}, {1}}}, ScorerOptions{}), Error);
  EXPECT_THROW(score_loglikelihood(*model_, {LlRequest{{1}, {999999}}}, ScorerOptions{}), FormatError);
}

TEST_F(Fixture, TheModelsOwnGreedyContinuationWins) {
  const std::vector<std::string> prompts = {"It was the best of times, it was the", "Prince Andrew looked at the",
                                            "The old man said that he", "In the morning the soldiers"};
  std::vector<McItem> items;
  for (size_t i = 0; i < prompts.size(); ++i) {
    const std::string greedy = greedy_text(prompts[i], 6);
    ASSERT_FALSE(greedy.empty());
    McItem it;
    it.context = prompts[i];
    // Gold in a different place each time, among word salad of similar
    // length; no delimiter, so the gold continuation is the greedy text as is.
    it.choices = {" zebra quantum xylophone", " purple seventeen oxide", " gravel sonnet fjord"};
    it.gold = static_cast<int>(i % 3);
    it.choices.insert(it.choices.begin() + it.gold, greedy);
    it.choices.pop_back();
    items.push_back(it);
  }
  McOptions o;
  o.target_delimiter = "";
  const McRun run = run_multiple_choice(*model_, *tok_, items, o);
  const auto m = mc_metrics(run.scores);
  EXPECT_DOUBLE_EQ(m[0].value, 1.0);  // acc
  EXPECT_DOUBLE_EQ(m[1].value, 1.0);  // acc_norm
  EXPECT_DOUBLE_EQ(*m[0].std_error, 0.0);
  // Scoring in blocks of 3 items gives the same log-likelihoods.
  o.items_per_block = 3;
  const McRun blocks = run_multiple_choice(*model_, *tok_, items, o);
  for (size_t i = 0; i < items.size(); ++i) {
    for (size_t c = 0; c < items[i].choices.size(); ++c) {
      EXPECT_NEAR(blocks.scores[i].lls[c], run.scores[i].lls[c], 1e-4 * std::fabs(run.scores[i].lls[c]));
    }
  }
}

TEST_F(Fixture, GreedyUntilMatchesStepByStepDecoding) {
  GreedyOptions o;
  o.max_gen_tokens = 12;
  const std::vector<std::string> prompts = {"It was the best of times, it was the", "It was the best of times, it was",
                                            "Prince Andrew"};
  ScoreStats st;
  const auto out = greedy_until(*model_, *tok_, prompts, o, &st);
  ASSERT_EQ(out.size(), 3u);
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(out[i].text, greedy_text(prompts[i], 12)) << i;
    EXPECT_EQ(out[i].new_tokens, 12);
    EXPECT_FALSE(out[i].stopped);
  }
  EXPECT_GT(st.reused_tokens, 0u);  // the second prompt is a prefix of the first

  // A stop string taken from the middle of the output cuts it there.
  const std::string full = out[0].text;
  const std::string stop = full.substr(full.size() / 2, 3);
  o.stop = {stop};
  const auto cut = greedy_until(*model_, *tok_, {prompts[0]}, o);
  EXPECT_TRUE(cut[0].stopped);
  EXPECT_EQ(cut[0].text, full.substr(0, full.find(stop)));
  EXPECT_LT(cut[0].new_tokens, 12);

  o.max_gen_tokens = 600;  // more than the fixture's 512 positions
  EXPECT_THROW(greedy_until(*model_, *tok_, prompts, o), ConfigError);
}

}  // namespace
}  // namespace slimlm::eval
