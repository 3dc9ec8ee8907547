// The real task files from $SLIMLM_DATA (label data; skipped when unset):
// their sizes, lm-eval's prompts for them (equal to the reference prompts in
// tests/golden/tiny-llama/tasks.json, built by tools/make_task_goldens.py).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "slimlm/eval/tasks/gsm8k.h"
#include "slimlm/eval/tasks/hellaswag.h"
#include "slimlm/eval/tasks/mmlu.h"

namespace slimlm::eval {
namespace {

namespace fs = std::filesystem;
const fs::path kSource = SLIMLM_SOURCE_DIR;

class TaskData : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* env = std::getenv("SLIMLM_DATA");
    if (!env || !*env) GTEST_SKIP() << "SLIMLM_DATA not set";
    data_ = env;
    if (data_.is_relative() && !fs::exists(data_)) data_ = kSource / data_;
    data_ /= "eval";
  }
  fs::path data_;
};

TEST_F(TaskData, HellaSwagValidationSplit) {
  const auto items = load_hellaswag(data_ / "hellaswag" / "hellaswag_val_full.txt.bz2");
  ASSERT_EQ(items.size(), 10042u);
  EXPECT_EQ(items[0].context, "Roof shingle removal: A man is sitting on a roof. He");
  EXPECT_EQ(items[0].gold, 3);
  EXPECT_EQ(items[0].choices[3], "starts pulling up roofing on a roof.");
  int gold[4] = {};
  for (const auto& it : items) {
    ASSERT_EQ(it.choices.size(), 4u);
    ++gold[it.gold];
    // lm-eval removes every [..]; what is left is an unclosed "[".
    const size_t open = it.context.find('[');
    if (open != std::string::npos) {
      EXPECT_EQ(it.context.find(']', open), std::string::npos) << it.context;
    }
    EXPECT_EQ(it.context.find("  "), std::string::npos) << it.context;
  }
  for (int g : gold) EXPECT_GT(g, 2300);  // the labels are balanced
}

TEST_F(TaskData, MmluSubjectsAndSplits) {
  const auto subjects = load_mmlu(data_ / "mmlu");
  ASSERT_EQ(subjects.size(), 57u);
  size_t dev = 0, test = 0;
  for (const auto& s : subjects) {
    EXPECT_EQ(s.dev.size(), 5u) << s.name;
    dev += s.dev.size();
    test += s.test.size();
  }
  EXPECT_EQ(dev, 285u);
  EXPECT_EQ(test, 14042u);
  EXPECT_EQ(subjects.front().name, "abstract_algebra");
  EXPECT_EQ(mmlu_items(subjects, 5, 0).size(), 14042u);
  EXPECT_EQ(mmlu_items(subjects, 5, 20).size(), 57u * 20u);
}

TEST_F(TaskData, Gsm8kTestSplit) {
  const auto probs = load_gsm8k(data_ / "gsm8k" / "test.jsonl");
  ASSERT_EQ(probs.size(), 1319u);
  const auto items = gsm8k_items(probs, 5, 0);
  EXPECT_EQ(items.size(), 1319u - kGsm8kExemplarPool);
  for (const auto& it : items) {
    ASSERT_FALSE(it.reference.empty());
    for (char c : it.reference) EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(c)) || c == '-') << it.reference;
  }
  EXPECT_EQ(gsm8k_normalize(probs[0].answer), "18");
}

TEST_F(TaskData, PromptsEqualTheReference) {
  std::ifstream in(kSource / "tests" / "golden" / "tiny-llama" / "tasks.json");
  if (!in) GTEST_SKIP() << "no tasks.json";
  const auto golden = nlohmann::json::parse(in);
  const auto hs = load_hellaswag(data_ / "hellaswag" / "hellaswag_val_full.txt.bz2");
  for (const auto& d : golden["items"]["hellaswag"]) {
    const auto& it = hs[d["index"].get<size_t>()];
    EXPECT_EQ(it.context, d["context"].get<std::string>());
    EXPECT_EQ(it.choices, d["choices"].get<std::vector<std::string>>());
    EXPECT_EQ(it.gold, d["gold"].get<int>());
  }
  for (const auto& d : golden["items"]["mmlu"]) {
    const auto subjects = load_mmlu(data_ / "mmlu", {d["subject"].get<std::string>()});
    const auto items = mmlu_items(subjects, d["shots"].get<int>(), 0);
    const auto& it = items[d["index"].get<size_t>()];
    EXPECT_EQ(it.context, d["context"].get<std::string>());
    EXPECT_EQ(it.gold, d["gold"].get<int>());
  }
  const auto& cfg = golden["gsm8k"];
  ASSERT_EQ(cfg["pool"].get<int>(), kGsm8kExemplarPool);
  const auto items = gsm8k_items(load_gsm8k(data_ / "gsm8k" / "test.jsonl"), cfg["shots"].get<int>(), 0);
  for (const auto& d : golden["items"]["gsm8k"]) {
    const auto& it = items[d["index"].get<size_t>() - kGsm8kExemplarPool];
    EXPECT_EQ(it.prompt, d["prompt"].get<std::string>());
    EXPECT_EQ(it.reference, gsm8k_normalize(d["answer"].get<std::string>()));
  }
}

}  // namespace
}  // namespace slimlm::eval
