#pragma once
// The end of a study: which trials form the Pareto frontier, the table
// `slimlm optimize` prints for them, and which model folders are kept.
//
// Folders: every evaluated trial's model is written to
// <output>/trials/<number>-<slug>/ (the path its run records). At the end
// <output>/frontier/<number>-<slug>/ holds each frontier model, its files
// hard-linked from the trial folder (copied where links are refused), so the
// frontier is a set of real folders that cost no extra space and the
// registry's artifact paths stay valid. keep_models then prunes trials/:
// "frontier" deletes the folders of trials off the frontier, "all" keeps
// every one, "none" deletes them all and builds no frontier folder.
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "slimlm/registry/records.h"
#include "slimlm/search/constraints.h"
#include "slimlm/search/objective.h"
#include "slimlm/search/study_config.h"

namespace slimlm::search {

// Indices into `trials` of the frontier: trials complete and feasible with a
// finite value for every objective, first non-dominated front under the
// objectives' directions (ascending index order).
std::vector<size_t> frontier_indices(std::span<const registry::TrialRecord> trials,
                                     std::span<const Objective> objectives);

// "gptq int4_g128 + wanda 50%" -> "gptq-int4_g128-wanda-50"; at most 60 characters.
std::string model_slug(std::string_view summary);
// "0007-gptq-int4_g128": sorts in trial order.
std::string trial_folder_name(int64_t number, std::string_view summary);

struct FrontierRow {
  int64_t trial = 0;
  std::string summary;
  MetricValues metrics;  // of the trial's run
  std::filesystem::path folder;  // frontier folder ("" when models are not kept)
};

// One row per frontier point: trial, recipe, size, each objective that is
// not the size, perplexity when measured, decode speed (`speed_metric`),
// energy of the evaluation. Missing values print as "-".
std::string frontier_table(std::span<const FrontierRow> rows, std::span<const Objective> objectives,
                           const std::string& speed_metric);

// "3.7 MiB".
std::string human_bytes(double bytes);

// Arranges <output>/frontier and <output>/trials as the banner says.
// `frontier` pairs each frontier trial's number with its trial folder name.
// Returns the frontier folders in that order (empty for kNone). IoError
// naming the folder on failure.
std::vector<std::filesystem::path> keep_models(const std::filesystem::path& output, KeepModels keep,
                                               std::span<const std::pair<int64_t, std::string>> frontier);

}  // namespace slimlm::search
