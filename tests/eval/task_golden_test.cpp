// slimlm's task scoring against tests/golden/tiny-llama/tasks.json, written
// by tools/make_task_goldens.py from Hugging Face transformers and tokenizers
// with lm-evaluation-harness's request logic: the same token split of every
// (context, continuation) pair, the same log-likelihoods and greedy flags,
// the same greedy GSM8K generations. (tasks_data_test.cpp checks that the
// prompts slimlm builds from the task files equal the reference's.)
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "slimlm/eval/tasks/greedy_until.h"
#include "slimlm/eval/tasks/gsm8k.h"
#include "slimlm/eval/tasks/loglikelihood.h"
#include "slimlm/eval/tasks/multiple_choice.h"
#include "slimlm/model/model.h"
#include "slimlm/tokenizer/tokenizer.h"

namespace slimlm::eval {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const fs::path kSource = SLIMLM_SOURCE_DIR;

class TaskGolden : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path g = kSource / "tests" / "golden" / "tiny-llama" / "tasks.json";
    const fs::path dir = kSource / "models" / "tiny-llama";
    if (!fs::exists(g) || !fs::exists(dir / "model.safetensors")) GTEST_SKIP() << "no golden or fixture";
    std::ifstream in(g);
    golden_ = Json::parse(in);
    model_ = model::Model::load(dir);
    tok_ = std::make_unique<tokenizer::Tokenizer>(tokenizer::Tokenizer::from_file(dir));
  }
  Json golden_;
  std::unique_ptr<model::Model> model_;
  std::unique_ptr<tokenizer::Tokenizer> tok_;
};

TEST_F(TaskGolden, PairEncodingLoglikelihoodsAndGreedyFlags) {
  const int32_t eot = eot_id(*model_, *tok_);
  std::vector<LlRequest> reqs;
  for (const auto& r : golden_["loglikelihood"]) {
    const EncodedPair p = encode_pair(*tok_, r["context"].get<std::string>(), r["continuation"].get<std::string>(), eot);
    EXPECT_EQ(p.context, r["context_ids"].get<std::vector<int32_t>>()) << r["context"];
    EXPECT_EQ(p.continuation, r["continuation_ids"].get<std::vector<int32_t>>()) << r["continuation"];
    reqs.push_back({p.context, p.continuation});
  }
  ASSERT_EQ(reqs.size(), 68u);
  const int64_t max_length = golden_["max_length"].get<int64_t>();
  for (int64_t batch : {0, 5}) {
    ScorerOptions o;
    o.max_length = max_length;
    o.batch = batch;
    const auto res = score_loglikelihood(*model_, reqs, o);
    double worst = 0.0;
    for (size_t i = 0; i < reqs.size(); ++i) {
      const auto& g = golden_["loglikelihood"][i];
      const double want = g["logprob"].get<double>();
      worst = std::max(worst, std::fabs(res[i].logprob - want));
      EXPECT_NEAR(res[i].logprob, want, 2e-4 + 1e-5 * std::fabs(want)) << "request " << i << " batch " << batch;
      EXPECT_EQ(res[i].greedy, g["greedy"].get<bool>()) << "request " << i;
    }
    RecordProperty("max_abs_ll_error_batch" + std::to_string(batch), std::to_string(worst));
  }
}

TEST_F(TaskGolden, Gsm8kGreedyGenerations) {
  const auto& cfg = golden_["gsm8k"];
  GreedyOptions o;
  o.stop = cfg["stops"].get<std::vector<std::string>>();
  EXPECT_EQ(o.stop, gsm8k_stop_strings());
  o.max_gen_tokens = cfg["max_gen_tokens"].get<int64_t>();
  std::vector<std::string> prompts;
  for (const auto& d : golden_["items"]["gsm8k"]) prompts.push_back(d["prompt"].get<std::string>());
  const auto out = greedy_until(*model_, *tok_, prompts, o);
  for (size_t i = 0; i < prompts.size(); ++i) {
    const auto& d = golden_["items"]["gsm8k"][i];
    EXPECT_EQ(out[i].text, d["output"].get<std::string>()) << i;
    EXPECT_EQ(out[i].new_tokens, static_cast<int64_t>(d["new_ids"].size())) << i;
  }
}

}  // namespace
}  // namespace slimlm::eval
