// `slimlm validate-config FILE [--metrics]`: checks a study config without
// running anything (search/study_config.h: keys, types, ranges, paths,
// metric names, pipelines against the model's config.json) and prints
//   FILE: valid (N steps, M search parameters, grid size G, sampler S)
// and what the study will do; an error prints "FILE:LINE: key '...': ..."
// and exits 2.
#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

#include "slimlm/cli/command.h"
#include "slimlm/compress/pipeline.h"
#include "slimlm/io/hf_config.h"
#include "slimlm/search/recipe_space.h"
#include "slimlm/search/study_config.h"

namespace slimlm::cli {
namespace {

struct ValidateConfigOptions {
  std::string file;
  bool metrics = false;
};

std::string bound_text(const search::ConstraintsConfig& k) {
  std::string s;
  auto add = [&](const std::string& t) { s += (s.empty() ? "" : ", ") + t; };
  if (k.max_ppl_ratio) add(fmt::format("ppl ratio <= {}", *k.max_ppl_ratio));
  if (k.max_accuracy_drop) add(fmt::format("{} drop <= {}", k.max_accuracy_drop->metric, k.max_accuracy_drop->value));
  if (k.max_bytes) add(fmt::format("bytes <= {}", *k.max_bytes));
  if (k.max_latency_ms) add(fmt::format("latency <= {} ms/token", *k.max_latency_ms));
  if (k.max_peak_memory) add(fmt::format("peak memory <= {} bytes", *k.max_peak_memory));
  if (k.max_co2_g) add(fmt::format("CO2 <= {} g", *k.max_co2_g));
  for (const auto& b : k.max_metric) add(fmt::format("{} <= {}", b.metric, b.value));
  for (const auto& b : k.min_metric) add(fmt::format("{} >= {}", b.metric, b.value));
  return s.empty() ? "none" : s;
}

int run_validate_config(const ValidateConfigOptions& o) {
  const search::StudyConfig c = search::load_study_config(o.file);
  const io::ModelConfig model = io::load_hf_config(c.model / "config.json");
  size_t steps = c.pipeline.size(), params = 0;
  std::string grid = "1", sampler = "none";
  if (c.search) {
    const search::SearchSpace space = search::build_search_space(c, model);
    steps = c.search->template_steps.size();
    params = space.size();
    const uint64_t g = space.grid_size();
    grid = g == 0 ? "continuous" : g == UINT64_MAX ? "> 1.8e19" : std::to_string(g);
    sampler = c.search->sampler;
  }
  std::printf("%s: valid (%zu steps, %zu search parameters, grid size %s, sampler %s)\n", o.file.c_str(), steps,
              params, grid.c_str(), sampler.c_str());
  std::printf("  study        %s -> %s\n", c.name.c_str(), c.output.string().c_str());
  std::printf("  model        %s (%s, %lld layers)\n", c.model.string().c_str(), model.model_type.c_str(),
              static_cast<long long>(model.num_hidden_layers));
  std::string objectives;
  for (const auto& ob : c.objectives) {
    objectives += fmt::format("{}{} ({})", objectives.empty() ? "" : ", ", ob.metric, search::to_string(ob.direction));
  }
  std::printf("  objectives   %s\n", objectives.c_str());
  std::printf("  constraints  %s\n", bound_text(c.constraints).c_str());
  if (!c.search) std::printf("  pipeline     %s\n", compress::pipeline_summary(c.pipeline).c_str());
  for (const auto& b : c.baselines) {
    std::printf("  baseline     %s: %s\n", b.name.c_str(), compress::pipeline_summary(b.pipeline).c_str());
  }
  if (c.search) {
    std::string keys;
    for (const auto& e : c.search->space) keys += (keys.empty() ? "" : ", ") + e.key;
    std::printf("  search       %lld trials over %s\n", static_cast<long long>(c.search->trials), keys.c_str());
  }
  if (o.metrics) {
    std::printf("metrics this config measures:\n");
    for (const auto& m : search::study_metrics(c)) {
      std::printf("  %-28s %-9s %s\n", m.name.c_str(), m.unit.c_str(), m.meaning.c_str());
    }
  }
  return kExitOk;
}

}  // namespace

RunFn setup_validate_config(CLI::App& app) {
  auto o = std::make_shared<ValidateConfigOptions>();
  app.add_option("FILE", o->file, "Study config (YAML; docs/recipes.md)")->required();
  app.add_flag("--metrics", o->metrics, "Also list the metric names objectives and constraints may use");
  return [o]() { return run_validate_config(*o); };
}

}  // namespace slimlm::cli
