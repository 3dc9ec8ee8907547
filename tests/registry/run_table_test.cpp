// The text, CSV and JSON that `slimlm runs` prints, from hand-made records.
#include "slimlm/registry/run_table.h"

#include <cmath>
#include <filesystem>
#include <iterator>
#include <limits>
#include <sstream>

#include <gtest/gtest.h>

namespace slimlm::registry {
namespace {

RunRecord make_run(int64_t id, std::string summary, std::string recipe, std::vector<MetricRecord> metrics) {
  RunRecord r;
  r.id = id;
  r.created_at = "2025-01-31T12:34:56Z";
  r.finished_at = "2025-01-31T12:40:00Z";
  r.kind = "trial";
  r.status = RunStatus::kCompleted;
  r.summary = std::move(summary);
  r.recipe_json = std::move(recipe);
  r.base_model = "models/tiny";
  r.metrics = std::move(metrics);
  return r;
}

const RunRecord kA = make_run(3, "gptq int4 g128", R"({"passes":[{"method":"gptq","bits":4,"group_size":128}]})",
                              {{"kld/mean", 0.02, "nats", 0.001},
                               {"model/file_bytes", 3.0 * 1024 * 1024, "bytes", std::nullopt},
                               {"perplexity/ppl", 12.5, "ppl", 0.25}});
const RunRecord kB = make_run(5, "rtn int8", R"({"passes":[{"method":"rtn","bits":8}],"seed":1})",
                              {{"kld/mean", 0.005, "nats", std::nullopt},
                               {"model/file_bytes", 6.0 * 1024 * 1024, "bytes", std::nullopt},
                               {"speed/tg128", 40.0, "tokens/s", std::nullopt}});

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

TEST(RunTable, FormatMetric) {
  EXPECT_EQ(format_metric({"m", 3.0 * 1024 * 1024, "bytes", std::nullopt}), "3.00 MiB");
  EXPECT_EQ(format_metric({"m", 1536, "bytes", std::nullopt}), "1.5 KiB");
  EXPECT_EQ(format_metric({"m", 0.5, "fraction", 0.01}), "50.00 ± 1.00 %");
  EXPECT_EQ(format_metric({"m", 0.02, "nats", 0.001}), "0.020000 ± 0.001000");
  EXPECT_EQ(format_metric({"m", std::numeric_limits<double>::quiet_NaN(), "ppl", std::nullopt}), "-");
  EXPECT_EQ(format_metric({"m", 42, "", std::nullopt}), "42");
}

TEST(RunTable, ListHasKeyMetricsAlignedAndDashesForMissing) {
  RunRecord running = make_run(7, "a summary that is much longer than the forty-eight code points the column allows",
                               "{}", {});
  running.status = RunStatus::kRunning;
  const auto l = lines(run_list_table({running, kB, kA}));
  ASSERT_EQ(l.size(), 5u);
  EXPECT_EQ(l[0].substr(0, 2), "ID");
  EXPECT_NE(l[0].find("SUMMARY"), std::string::npos);
  EXPECT_EQ(l[1].find_first_not_of('-'), std::string::npos);
  // Run 7: no metrics, summary clipped to 48 code points ending in "…".
  EXPECT_NE(l[2].find("running"), std::string::npos);
  EXPECT_NE(l[2].find(" a summary that is much longer than the forty-ei… "), std::string::npos) << l[2];
  std::istringstream cells(l[2]);
  std::vector<std::string> words{std::istream_iterator<std::string>(cells), {}};
  ASSERT_GE(words.size(), 3u);
  EXPECT_EQ(words[words.size() - 1], "-");
  EXPECT_EQ(words[words.size() - 2], "-");
  EXPECT_EQ(words[words.size() - 3], "-");
  // Run 3: size, KLD (no ± in the list) and perplexity.
  EXPECT_NE(l[4].find("2025-01-31 12:34"), std::string::npos) << l[4];
  EXPECT_NE(l[4].find("3.00 MiB  0.020000  12.5000"), std::string::npos) << l[4];
  EXPECT_EQ(l[4].find("±"), std::string::npos);
  // Run 5 has no perplexity: the PPL cell is "-", right-aligned at the end.
  EXPECT_EQ(l[3].back(), '-');
  // Numbers are right-aligned: every data row ends at the same column as the header's "PPL".
  EXPECT_EQ(l[4].size(), l[0].size());
}

TEST(RunTable, RecipeChangesByJsonPath) {
  const auto changes = recipe_changes(kA.recipe_json, kB.recipe_json);
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].path, "passes[0].bits");
  EXPECT_EQ(changes[0].a, "4");
  EXPECT_EQ(changes[0].b, "8");
  EXPECT_EQ(changes[1].path, "passes[0].group_size");
  EXPECT_EQ(changes[1].a, "128");
  EXPECT_EQ(changes[1].b, "");
  EXPECT_EQ(changes[2].path, "passes[0].method");
  EXPECT_EQ(changes[2].a, "\"gptq\"");
  EXPECT_EQ(changes[3].path, "seed");
  EXPECT_EQ(changes[3].a, "");
  EXPECT_TRUE(recipe_changes(kA.recipe_json, kA.recipe_json).empty());
  // Key order does not make a difference; non-JSON compares as text.
  EXPECT_TRUE(recipe_changes(R"({"a":1,"b":2})", R"({"b":2,"a":1})").empty());
  const auto text = recipe_changes("not json", "{}");
  ASSERT_EQ(text.size(), 1u);
  EXPECT_EQ(text[0].path, "(recipe)");
}

TEST(RunTable, DiffShowsEveryMetricWithDeltaAndRatio) {
  const std::string d = run_diff_text(kA, kB);
  const auto l = lines(d);
  const auto row = [&](const std::string& start) -> std::string {
    for (const auto& s : l) {
      if (s.rfind(start, 0) == 0) return s;
    }
    return "";
  };
  EXPECT_NE(row("summary").find("gptq int4 g128"), std::string::npos) << d;
  EXPECT_NE(row("passes[0].bits").find("4"), std::string::npos) << d;
  const std::string kld = row("kld/mean");
  EXPECT_NE(kld.find("-0.015"), std::string::npos) << kld;
  EXPECT_NE(kld.find("×0.2500"), std::string::npos) << kld;
  const std::string size = row("model/file_bytes");
  EXPECT_NE(size.find("+3.14573e+06"), std::string::npos) << size;
  EXPECT_NE(size.find("×2.0000"), std::string::npos) << size;
  // Metrics on one side only are listed with "-" for the other and no delta.
  const std::string ppl = row("perplexity/ppl");
  EXPECT_NE(ppl.find("12.5000"), std::string::npos) << d;
  EXPECT_NE(row("speed/tg128").find("40.0 t/s"), std::string::npos) << d;
  EXPECT_EQ(ppl.substr(ppl.size() - 1), "-");
}

TEST(RunTable, CsvHasOneColumnPerMetricAndQuotes) {
  RunRecord quoted = kA;
  quoted.summary = "gptq, \"best\"";
  const auto l = lines(runs_csv({quoted, kB}));
  ASSERT_EQ(l.size(), 3u);
  EXPECT_EQ(l[0],
            "id,created_at,finished_at,kind,status,summary,study_id,trial_number,base_model,base_model_hash,"
            "artifact_path,artifact_sha256,compress_seconds,eval_seconds,slimlm_version,error,recipe_json,"
            "kld/mean,kld/mean stderr,model/file_bytes,perplexity/ppl,perplexity/ppl stderr,speed/tg128");
  EXPECT_NE(l[1].find("\"gptq, \"\"best\"\"\""), std::string::npos) << l[1];
  // Row A ends with: kld 0.02 ± 0.001, 3 MiB, ppl 12.5 ± 0.25, no speed.
  EXPECT_NE(l[1].find(",0.02,0.001,3145728,12.5,0.25,"), std::string::npos) << l[1];
  EXPECT_EQ(l[1].back(), ',');
  EXPECT_NE(l[2].find(",0.005,,6291456,,,40"), std::string::npos) << l[2];
}

TEST(RunTable, JsonEmbedsRecipeAndMetrics) {
  RunRecord r = kA;
  r.metrics.push_back({"broken", std::numeric_limits<double>::quiet_NaN(), "", std::nullopt});
  r.hardware = R"({"cpu":"x","logical_cores":2})";
  const auto j = runs_json({r, kB});
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["id"], 3);
  EXPECT_EQ(j[0]["status"], "completed");
  EXPECT_EQ(j[0]["recipe"]["passes"][0]["method"], "gptq");
  EXPECT_EQ(j[0]["hardware"]["logical_cores"], 2);
  EXPECT_DOUBLE_EQ(j[0]["metrics"]["kld/mean"]["value"].get<double>(), 0.02);
  EXPECT_DOUBLE_EQ(j[0]["metrics"]["kld/mean"]["std_error"].get<double>(), 0.001);
  EXPECT_EQ(j[0]["metrics"]["kld/mean"]["unit"], "nats");
  EXPECT_TRUE(j[0]["metrics"]["broken"]["value"].is_null());
  EXPECT_TRUE(j[1]["metrics"]["kld/mean"]["std_error"].is_null());
  EXPECT_TRUE(j[1]["study_id"].is_null());
}

TEST(RunTable, ShowHasEveryMetricAndThePrettyRecipe) {
  RunRecord r = kA;
  r.error = "";
  r.study_id = 2;
  r.trial_number = 9;
  const std::string s = run_show_text(r);
  EXPECT_EQ(s.substr(0, s.find('\n')), "run 3  completed  trial");
  EXPECT_NE(s.find("study           2, trial 9"), std::string::npos) << s;
  EXPECT_NE(s.find("\"method\": \"gptq\""), std::string::npos) << s;  // dump(2)
  EXPECT_NE(s.find("kld/mean"), std::string::npos);
  EXPECT_NE(s.find("0.001"), std::string::npos);
  EXPECT_NE(s.find("3.00 MiB"), std::string::npos);
  EXPECT_NE(s.find("12.5000 ± 0.2500"), std::string::npos) << s;
  EXPECT_EQ(s.find("error"), std::string::npos);  // empty fields are left out
}

TEST(RunTable, ShowSaysWhenTheArtifactIsGone) {
  RunRecord r = kA;
  r.artifact_path = (std::filesystem::temp_directory_path() / "slimlm-no-such-model-folder").string();
  EXPECT_NE(run_show_text(r).find(r.artifact_path + "  (no longer on disk)"), std::string::npos);
  r.artifact_path = std::filesystem::temp_directory_path().string();  // exists
  const std::string s = run_show_text(r);
  EXPECT_NE(s.find(r.artifact_path), std::string::npos);
  EXPECT_EQ(s.find("no longer on disk"), std::string::npos);
}

}  // namespace
}  // namespace slimlm::registry
