// acc / acc_norm / standard errors from given log-likelihoods, and the
// comparison table (`slimlm compare`) from hand-made metric rows.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>

#include "slimlm/core/error.h"
#include "slimlm/eval/suite/comparison.h"
#include "slimlm/eval/tasks/greedy_until.h"
#include "slimlm/eval/tasks/multiple_choice.h"

namespace slimlm::eval {
namespace {

TEST(McScoring, AccAndAccNormCanDisagree) {
  // The long choice has the higher total log-likelihood, the short one the
  // higher per-character one.
  const std::vector<std::string> choices = {"a long answer here", "no"};  // 18 and 2 characters
  const McItemScore s = score_mc_item({-9.0, -2.0}, choices, 0);
  EXPECT_EQ(s.pred, 1);
  EXPECT_EQ(s.pred_norm, 0);  // -9/18 = -0.5 > -2/2 = -1
  EXPECT_FALSE(s.acc);
  EXPECT_TRUE(s.acc_norm);
  // Ties go to the first choice, as np.argmax.
  const McItemScore t = score_mc_item({-1.0, -1.0, -3.0}, {"x", "y", "z"}, 1);
  EXPECT_EQ(t.pred, 0);
  EXPECT_FALSE(t.acc);
  EXPECT_THROW(score_mc_item({-1.0}, {"x", "y"}, 0), Error);
}

TEST(McScoring, LengthIsInCharactersLikePythonLen) {
  EXPECT_EQ(utf8_length("abc"), 3u);
  EXPECT_EQ(utf8_length("café"), 4u);        // 5 bytes
  EXPECT_EQ(utf8_length("日本"), 2u);        // 6 bytes
  // "né" (2 characters, 3 bytes) vs "ab" (2): normalised by characters they tie.
  EXPECT_EQ(score_mc_item({-2.0, -2.0}, {"né", "ab"}, 1).pred_norm, 0);
}

TEST(McScoring, StandardErrorOfTheMean) {
  // lm-eval mean_stderr: sample sd / sqrt(n). p = 1/4 over 4: sd = 0.5, se = 0.25.
  const MeanStderr m = mean_stderr({1, 0, 0, 0});
  EXPECT_DOUBLE_EQ(m.mean, 0.25);
  EXPECT_DOUBLE_EQ(m.std_error, 0.25);
  EXPECT_EQ(m.n, 4);
  EXPECT_DOUBLE_EQ(mean_stderr({1}).std_error, 0.0);
  // For 0/1 values se = sqrt(p(1-p)/(n-1)).
  std::vector<double> v(100, 0.0);
  for (int i = 0; i < 30; ++i) v[static_cast<size_t>(i)] = 1.0;
  EXPECT_NEAR(mean_stderr(v).std_error, std::sqrt(0.3 * 0.7 / 99.0), 1e-12);

  std::vector<McItemScore> scores = {score_mc_item({-1, -2}, {"a", "b"}, 0), score_mc_item({-1, -2}, {"a", "b"}, 1),
                                     score_mc_item({-3, -2}, {"a", "b"}, 1), score_mc_item({-2, -3}, {"a", "bbbb"}, 1)};
  const auto m2 = mc_metrics(scores);
  ASSERT_EQ(m2.size(), 2u);
  EXPECT_EQ(m2[0].name, "acc");
  EXPECT_DOUBLE_EQ(m2[0].value, 0.5);
  EXPECT_EQ(m2[0].unit, "fraction");
  EXPECT_NEAR(*m2[0].std_error, std::sqrt(1.0 / 3.0) / 2.0, 1e-12);
  EXPECT_EQ(m2[1].name, "acc_norm");
  EXPECT_DOUBLE_EQ(m2[1].value, 0.75);  // -3/4 > -2/1 flips the last item
}

TEST(GreedyUntil, CutsAtTheEarliestStopString) {
  EXPECT_EQ(cut_at_stop("x = 4\n\nQuestion: next", {"Question:", "\n\n"}), std::make_pair(std::string("x = 4"), true));
  EXPECT_EQ(cut_at_stop("no stop here", {"Question:", ""}), std::make_pair(std::string("no stop here"), false));
  EXPECT_EQ(cut_at_stop("Question: at once", {"Question:"}).first, "");
}

std::vector<Metric> rows(double bytes, double acc, double acc_se, double tps, double ppl, std::optional<double> kld) {
  std::vector<Metric> m = {{"model/file_bytes", bytes, "bytes", std::nullopt},
                           {"model/bits_per_weight", bytes * 8 / 1e6, "bits", std::nullopt},
                           {"perplexity/ppl", ppl, "ppl", 0.5},
                           {"perplexity/mean_nll", std::log(ppl), "nats", std::nullopt},
                           {"hellaswag/acc_norm", acc, "fraction", acc_se},
                           {"mmlu/abstract_algebra/acc", 0.3, "fraction", 0.05},
                           {"speed/pp512", tps, "tokens/s", 2.0},
                           {"energy/joules", 10.0, "J", std::nullopt},
                           {"energy/estimated", 1.0, "bool", std::nullopt}};
  if (kld) m.push_back({"kld/mean", *kld, "nats", 0.001});
  return m;
}

TEST(Comparison, DeltasRatiosAndSummaryRows) {
  const Comparison c = build_comparison({"base", "q4"}, {rows(4e6, 0.30, 0.02, 100, 20, std::nullopt),
                                                          rows(1e6, 0.28, 0.02, 250, 21, 0.05)},
                                        false);
  std::vector<std::string> keys;
  for (const auto& r : c.rows) keys.push_back(r.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"model/file_bytes", "model/bits_per_weight", "perplexity/ppl", "kld/mean",
                                            "hellaswag/acc_norm", "speed/pp512", "energy/joules"}));
  EXPECT_TRUE(c.energy_estimated);
  const CompareRow& size = c.rows[0];
  EXPECT_DOUBLE_EQ(*size.cells[1].delta, -3e6);
  EXPECT_DOUBLE_EQ(*size.cells[1].ratio, 0.25);
  EXPECT_FALSE(size.cells[0].delta);  // the base has no delta to itself
  const CompareRow& kld = c.rows[3];
  EXPECT_FALSE(kld.cells[0].metric);  // the base has no KLD
  EXPECT_FALSE(kld.cells[1].delta);
  EXPECT_EQ(format_vs_base(c.rows[4], c.rows[4].cells[1]), "-2.00 pts");
  EXPECT_EQ(format_vs_base(c.rows[5], c.rows[5].cells[1]), "×2.500");
  EXPECT_EQ(format_metric_value(*c.rows[4].cells[0].metric), "30.00 ± 2.00 %");
  EXPECT_EQ(format_metric_value(*c.rows[0].cells[0].metric), "3.81 MiB");
  EXPECT_EQ(format_metric_value(*c.rows[2].cells[0].metric), "20.0000 ± 0.5000");

  const std::string text = comparison_text(c);
  EXPECT_NE(text.find("metric"), std::string::npos);
  EXPECT_NE(text.find("base (base)"), std::string::npos);
  EXPECT_NE(text.find("energy/joules (estimated)"), std::string::npos);
  EXPECT_NE(text.find("×0.250"), std::string::npos);
  // Every line of the text table has the same width up to trailing cells.
  const std::string md = comparison_markdown(c);
  EXPECT_EQ(md.rfind("| metric | base (base) | q4 | vs base |\n|---|---:|---:|---:|\n", 0), 0u) << md;
  EXPECT_NE(md.find("| hellaswag/acc_norm | 30.00 ± 2.00 % | 28.00 ± 2.00 % | -2.00 pts |"), std::string::npos) << md;
}

TEST(Comparison, FullCsvAndJson) {
  const Comparison c =
      build_comparison({"base", "q,4"}, {rows(4e6, 0.30, 0.02, 100, 20, std::nullopt), rows(1e6, 0.28, 0.02, 250, 21, 0.05)},
                       true);
  EXPECT_EQ(c.rows.size(), 10u);  // every metric, MMLU subjects and bookkeeping included
  const std::string csv = comparison_csv(c);
  EXPECT_EQ(csv.rfind("metric,unit,model,value,stderr,delta_vs_base,ratio_vs_base\n"
                      "model/file_bytes,bytes,base,4000000,,,\n"
                      "model/file_bytes,bytes,\"q,4\",1000000,,-3000000,0.25\n",
                      0),
            0u)
      << csv;
  EXPECT_NE(csv.find("kld/mean,nats,\"q,4\",0.05,0.001,,\n"), std::string::npos) << csv;

  const auto j = nlohmann::json::parse(comparison_json(c));
  EXPECT_EQ(j["base"], "base");
  EXPECT_EQ(j["models"].size(), 2u);
  EXPECT_EQ(j["metrics"][0]["metric"], "model/file_bytes");
  EXPECT_DOUBLE_EQ(j["metrics"][0]["values"][1]["ratio"].get<double>(), 0.25);
  EXPECT_TRUE(j["metrics"][0]["values"][0]["stderr"].is_null());
  EXPECT_FALSE(j["metrics"][0]["values"][0].contains("delta"));
  EXPECT_THROW(build_comparison({"a"}, {}, false), Error);
}

}  // namespace
}  // namespace slimlm::eval
