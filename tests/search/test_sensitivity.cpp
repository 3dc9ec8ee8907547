// Per-layer sensitivity on tiny-llama: coarser formats hurt every layer
// more, the original is whole again afterwards, and the additive proxy built
// on the table ranks real mixed-precision candidates like their measured KLD.
#include <gtest/gtest.h>

#include <cstdio>

#include "slimlm/compress/pipeline.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/model/model.h"
#include "slimlm/search/proxy.h"
#include "slimlm/search/sensitivity.h"
#include "slimlm/search/trial_evaluator.h"
#include "test_study_runner_util.h"

namespace slimlm::search {
namespace {

using Json = nlohmann::ordered_json;

class Sensitivity : public ::testing::Test {
 protected:
  void SetUp() override {
    config_ = test::write_config(tmp_.path(), test::study_yaml("sens", tmp_ / "out", ""));
    evaluator_.emplace(config_);
  }
  std::vector<SensitivityVariant> variants(std::initializer_list<const char*> names) {
    std::vector<SensitivityVariant> v;
    for (const char* n : names) v.push_back(parse_sensitivity_variant(n));
    return v;
  }
  SensitivityOptions options() {
    SensitivityOptions o;
    o.windows = 2;
    o.scratch = tmp_ / "scratch";
    o.pipeline = pipeline_options(config_);
    o.progress = false;
    return o;
  }

  slimlm::testing::TempDir tmp_;
  StudyConfig config_;
  std::optional<TrialEvaluator> evaluator_;
};

TEST_F(Sensitivity, CoarserFormatsHurtEveryLayerMore) {
  const double before = evaluator_->kld_mean(evaluator_->original(), 2);
  EXPECT_NEAR(before, 0.0, 1e-9);  // the original against itself
  const auto vs = variants({"int8", "int2_g64", "magnitude 50%", "drop"});
  const SensitivityTable t = measure_sensitivity(*evaluator_, vs, options());
  ASSERT_EQ(t.layers, 4);
  ASSERT_EQ(t.variants.size(), 4u);
  for (int64_t l = 0; l < t.layers; ++l) {
    const double s8 = (*t.find("int8"))[l], s2 = (*t.find("int2_g64"))[l];
    std::printf("layer %lld: int8 %.3g  int2_g64 %.3g  magnitude 50%% %.3g  drop %.3g\n", static_cast<long long>(l), s8,
                s2, (*t.find("magnitude 50%"))[l], (*t.find("drop"))[l]);
    EXPECT_GT(s8, 0.0);
    EXPECT_GT(s2, 10 * s8) << "layer " << l;
    EXPECT_GT((*t.find("drop"))[l], s8) << "layer " << l;
  }
  // Every swap was undone: the original still matches itself exactly.
  EXPECT_NEAR(evaluator_->kld_mean(evaluator_->original(), 2), 0.0, 1e-9);
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "scratch" / "variant-int8"));
}

TEST_F(Sensitivity, AdditiveProxyRanksMeasuredKld) {
  const SensitivityTable t = measure_sensitivity(*evaluator_, variants({"int8", "int4_g128", "int2_g64"}), options());
  const Proxy proxy(t, io::load_hf_config(test::fixture_model() / "config.json"),
                    read_checkpoint_tensors(test::fixture_model()), {});
  auto q = [](const std::string& f, Json layers = Json::object()) {
    return std::vector<compress::PipelineStep>{{"quantize", {{"method", "rtn"}, {"format", f}, {"layer_formats", layers}}}};
  };
  const std::vector<std::vector<compress::PipelineStep>> candidates = {
      q("int8"),
      q("int4_g128"),
      q("int8", {{"0", "int2_g64"}}),
      q("int8", {{"3", "int2_g64"}}),
      q("int4_g128", {{"1", "int2_g64"}, {"2", "int2_g64"}}),
      q("int3_g128"),
      q("int2_g64", {{"0", "int8"}}),
  };
  std::vector<double> predicted, measured;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const auto dir = tmp_ / ("c" + std::to_string(i));
    compress::run_pipeline(test::fixture_model(), dir, candidates[i], {});
    predicted.push_back(proxy.predict(candidates[i]).kld);
    measured.push_back(evaluator_->kld_mean(*model::Model::load(dir), 2));
    std::printf("%-45s predicted %.4f measured %.4f\n", compress::pipeline_summary(candidates[i]).c_str(),
                predicted.back(), measured.back());
  }
  const double rho = spearman_rho(predicted, measured);
  std::printf("Spearman rho (additive proxy vs measured KLD, %zu candidates): %.3f\n", candidates.size(), rho);
  EXPECT_GT(rho, 0.0);
}

}  // namespace
}  // namespace slimlm::search
