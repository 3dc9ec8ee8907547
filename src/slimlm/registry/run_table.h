#pragma once
// What `slimlm runs list|show|diff|export` prints and writes, as pure
// functions of run records (tested without a database or the binary).
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "slimlm/registry/records.h"

namespace slimlm::registry {

// A metric value for people: bytes in KiB/MiB/GiB, fractions in percent,
// "± stderr" when known, "-" for NaN (a measurement that failed).
std::string format_metric(const MetricRecord& m);

// The model size a run reports: model/file_bytes, else model/bytes, else
// model/weight_bytes; nullptr if none.
const MetricRecord* size_metric(const RunRecord& r);

// `runs list`: ID, CREATED, KIND, STATUS, SUMMARY, SIZE, KLD, PPL in aligned
// columns (SIZE/KLD/PPL "-" when the run lacks them), newest first as given.
std::string run_list_table(const std::vector<RunRecord>& runs);

// Everything about one run; recipe_json and hardware are embedded as JSON when
// they parse (else as strings); metrics as {name: {value, unit, std_error}}
// with null for NaN / no standard error.
nlohmann::json run_to_json(const RunRecord& r);
// `runs show`: every field, the recipe pretty-printed, every metric with unit
// and standard error.
std::string run_show_text(const RunRecord& r);

// One difference between two recipes: a JSON path ("passes[0].bits") and its
// value on each side ("" where absent). Recipes that are not JSON compare as
// one "(recipe)" entry.
struct RecipeChange {
  std::string path, a, b;
};
std::vector<RecipeChange> recipe_changes(const std::string& recipe_a, const std::string& recipe_b);
// `runs diff`: differing run fields and recipe paths, then every metric of
// either run side by side with B − A and B / A.
std::string run_diff_text(const RunRecord& a, const RunRecord& b);

// `runs export`: one row per run, fixed columns then one column per metric
// name (sorted; plus "<name> stderr" for metrics that have one anywhere).
// RFC 4180 quoting; NaN and absent values are empty cells.
std::string runs_csv(const std::vector<RunRecord>& runs);
nlohmann::json runs_json(const std::vector<RunRecord>& runs);  // array of run_to_json

}  // namespace slimlm::registry
