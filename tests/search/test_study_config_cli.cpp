// `slimlm init-config` and `slimlm validate-config` through the real binary:
// every bundled example is written, with paths that still resolve from
// where it goes, and validates; files are not overwritten without --force;
// a broken config exits 2 with its line and key.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "cli_test_util.h"

namespace slimlm::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const fs::path kSource = SLIMLM_SOURCE_DIR;

RunResult slimlm(const std::vector<std::string>& args, const TempDir& tmp) { return run_binary(SLIMLM_CLI, args, tmp); }

TEST(StudyConfigCli, EveryExampleIsWrittenAndValidates) {
  TempDir tmp;
  const std::pair<const char*, const char*> kinds[] = {
      {"default", "(3 steps, 4 search parameters, grid size 40, sampler nsga2)"},
      {"baseline", "(2 steps, 0 search parameters, grid size 1, sampler none)"},
      {"search", "(2 steps, 6 search parameters, grid size 486, sampler tpe)"}};
  for (const auto& [kind, summary] : kinds) {
    const fs::path file = tmp / (std::string(kind) + ".yaml");
    const RunResult w = slimlm({"init-config", "--kind", kind, "-o", file.string()}, tmp);
    ASSERT_EQ(w.exit_code, 0) << w.err;
    EXPECT_THAT(w.out, HasSubstr("wrote " + file.string()));
    EXPECT_EQ(w.err, "");  // it validates as written: no note
    const RunResult v = slimlm({"validate-config", file.string()}, tmp);
    ASSERT_EQ(v.exit_code, 0) << v.err;
    EXPECT_THAT(v.out, StartsWith(file.string() + ": valid " + summary)) << v.out;
    // Its paths (relative to the new file, or absolute when the two share
    // no folder below the root) still lead to the bundled model.
    EXPECT_THAT(v.out, HasSubstr("model        " + (kSource / "models" / "tiny-llama").string() + " ("));
  }
  // The bundled files themselves, with the metric list.
  const RunResult v = slimlm({"validate-config", (kSource / "configs" / "default.yaml").string(), "--metrics"}, tmp);
  ASSERT_EQ(v.exit_code, 0) << v.err;
  EXPECT_THAT(v.out, HasSubstr("objectives   kld/mean (minimize), model/file_bytes (minimize)"));
  EXPECT_THAT(v.out, HasSubstr("speed/tg32"));
}

TEST(StudyConfigCli, InitConfigNeverOverwritesWithoutForce) {
  TempDir tmp;
  const fs::path file = tmp / "study.yaml";
  ASSERT_EQ(slimlm({"init-config", "-o", file.string()}, tmp).exit_code, 0);
  std::ofstream(file, std::ios::app) << "# mine\n";
  const RunResult again = slimlm({"init-config", "--kind", "search", "-o", file.string()}, tmp);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_THAT(again.err, HasSubstr("the file exists; --force replaces it"));
  EXPECT_THAT(read_file(file), HasSubstr("# mine"));
  ASSERT_EQ(slimlm({"init-config", "--kind", "search", "-o", file.string(), "--force"}, tmp).exit_code, 0);
  EXPECT_THAT(read_file(file), HasSubstr("sampler: tpe"));
  EXPECT_EQ(slimlm({"init-config", "--kind", "huge"}, tmp).exit_code, 2);
  // --model points the example elsewhere.
  const fs::path spm = kSource / "models" / "tiny-llama-spm";
  ASSERT_EQ(slimlm({"init-config", "--model", spm.string(), "-o", (tmp / "spm.yaml").string()}, tmp).exit_code, 0);
  const RunResult vs = slimlm({"validate-config", (tmp / "spm.yaml").string()}, tmp);
  EXPECT_EQ(vs.exit_code, 0) << vs.err;
  EXPECT_THAT(vs.out, HasSubstr("model        " + spm.string() + " ("));
  // Without -o: stdout.
  const RunResult out = slimlm({"init-config", "--kind", "baseline"}, tmp);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_THAT(out.out, HasSubstr("name: tiny-llama-baselines"));
}

TEST(StudyConfigCli, ABrokenConfigExitsTwoWithItsLine) {
  TempDir tmp;
  const fs::path file = tmp / "broken.yaml";
  std::ofstream(file) << "model: " << (kSource / "models" / "tiny-llama").string() << "\n"
                      << "objectives: [{metric: model/bytes}]\n"
                      << "pipeline:\n"
                      << "  - prune: {method: wanda, sparsity: 1.5}\n";
  const RunResult r = slimlm({"validate-config", file.string()}, tmp);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_THAT(r.err, HasSubstr("error: " + file.string() + ":4: key 'pipeline[0].prune.sparsity': 1.5 is outside [0, 1)"));
  const RunResult missing = slimlm({"validate-config", (tmp / "nothing.yaml").string()}, tmp);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("nothing.yaml: cannot read the study config"));
}

}  // namespace
}  // namespace slimlm::testing
